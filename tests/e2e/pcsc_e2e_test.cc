// `docval pcsc` end to end on the real PC/SC stack: a private pcscd with Debian's vpcd driver (two
// reader slots on two TCP ports), the virtual passport put into a slot by `docval chip --vpcd`,
// `docval pcsc` relaying it to a DocVal server (`docval serve`) and the fake Result Server receiving
// the result. Asserts the statuses, the result, the close code and the exit code of whole sessions; a
// card leaving the reader mid-session; short APDUs when the card's ATR says so; waiting for the PC/SC
// service and for a reader that appears late; and the exit codes of the other ends.
//
// The pcscd of each test is its own: a mount namespace gives it a private /run/pcscd (bound to a
// temporary folder), and PCSCLITE_CSOCK_NAME points the clients at that folder's socket. One vpcd
// reader entry per pcscd: Debian's vpcd keeps one socket per slot number in process-wide state, so two
// entries would share (and garble) their slots' connections.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"

namespace docval::e2e {
namespace {

constexpr char kPcscd[] = "/usr/sbin/pcscd";
constexpr char kVpcdDriver[] = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
constexpr char kUnshare[] = "/usr/bin/unshare";

// Why the PC/SC stack cannot run here, or "" when it can.
std::string StackMissing() {
  for (const char* path : {kPcscd, kVpcdDriver, kUnshare}) {
    if (!std::filesystem::exists(path)) {
      return absl::StrCat(path,
                          " is missing: install the Debian packages pcscd and vsmartcard-vpcd "
                          "(scripts/install-deps.sh does)");
    }
  }
  if (geteuid() != 0) return "needs root: pcscd gets a private /run/pcscd through a mount namespace";
  return "";
}

// Waits until the output of `p` contains `text`.
bool WaitForOutput(ChildProcess& p, const std::string& text, absl::Duration timeout) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (absl::StrContains(p.AllOutput(), text)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return absl::StrContains(p.AllOutput(), text);
}

// Two consecutive loopback ports that were free a moment ago (vpcd listens on port and port + 1).
int FreePortPair() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    int p = FreePort();
    if (p < 65535 && p > 1024) {
      int fd = socket(AF_INET, SOCK_STREAM, 0);
      sockaddr_in a{};
      a.sin_family = AF_INET;
      a.sin_port = htons(static_cast<uint16_t>(p + 1));
      bool free = bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
      close(fd);
      if (free) return p;
    }
  }
  return 0;
}

// A private pcscd with one vpcd reader named `name` (slots "<name> 00 00" on port and "<name> 00 01"
// on port + 1). Stop() and Start() again in the same folder restart the service.
class PcscStack {
 public:
  explicit PcscStack(std::string dir = MakeTempDir()) : dir_(std::move(dir)) {
    std::filesystem::create_directories(dir_ + "/run");
    std::filesystem::create_directories(dir_ + "/conf");
  }
  ~PcscStack() { Stop(); }

  std::map<std::string, std::string> env() const { return {{"PCSCLITE_CSOCK_NAME", dir_ + "/run/pcscd.comm"}}; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }

  // Starts pcscd with the one reader and waits until `docval pcsc --list` sees both slots.
  absl::Status Start(const std::string& name) {
    port_ = FreePortPair();
    if (port_ == 0) return absl::UnavailableError("no free port pair");
    std::filesystem::remove_all(dir_ + "/conf");
    std::filesystem::create_directories(dir_ + "/conf");
    WriteFile(dir_ + "/conf/vpcd", absl::StrCat("FRIENDLYNAME \"", name, "\"\nDEVICENAME /dev/null:", port_,
                                                "\nLIBPATH ", kVpcdDriver, "\nCHANNELID ", port_, "\n"));
    const std::string script = absl::StrCat("mkdir -p /run/pcscd && mount --bind ", dir_, "/run /run/pcscd && exec ",
                                            kPcscd, " --foreground --error -c ", dir_, "/conf");
    absl::StatusOr<std::unique_ptr<ChildProcess>> p =
        ChildProcess::Start({kUnshare, "--mount", "--propagation", "private", "/bin/sh", "-c", script});
    if (!p.ok()) return p.status();
    pcscd_ = *std::move(p);
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      absl::StatusOr<std::unique_ptr<ChildProcess>> list =
          ChildProcess::Start({DocvalBinary(), "pcsc", "--list"}, env());
      if (!list.ok()) return list.status();
      (*list)->Wait(absl::Seconds(10));
      if (absl::StrContains((*list)->AllOutput(), "2 reader(s)")) return absl::OkStatus();
      if (!pcscd_->running()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return absl::UnavailableError(absl::StrCat("pcscd did not come up:\n", pcscd_->AllOutput()));
  }

  void Stop() {
    if (pcscd_ == nullptr) return;
    if (pcscd_->running()) pcscd_->Signal(SIGTERM);
    pcscd_->Wait(absl::Seconds(10));
    pcscd_.reset();
  }

 private:
  std::string dir_;
  int port_ = 0;
  std::unique_ptr<ChildProcess> pcscd_;
};

class PcscE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string missing = StackMissing();
    if (!missing.empty()) GTEST_SKIP() << "PC/SC stack not available: " << missing;
    absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start();
    ASSERT_TRUE(d.ok()) << d.status();
    deployment_ = *std::move(d);
  }

  // `docval chip --vpcd` with `profile` in slot `slot` (0 or 1) of `stack`.
  std::unique_ptr<ChildProcess> InsertCard(const PcscStack& stack, const std::string& profile, int slot = 0) {
    absl::StatusOr<std::unique_ptr<ChildProcess>> p =
        ChildProcess::Start({DocvalBinary(), "chip", "--vpcd", absl::StrCat("127.0.0.1:", stack.port() + slot),
                             "--profile", profile, "--profiles-dir", TestPkiDir() + "/profiles", "--seed", "7"});
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : nullptr;
  }

  // `docval pcsc` with `args` after the URL and client id.
  std::unique_ptr<ChildProcess> Pcsc(const PcscStack& stack, std::vector<std::string> args) {
    std::vector<std::string> argv = {DocvalBinary(), "pcsc", "--url", deployment_->WsUrl(), "--client-id", kClientId};
    argv.insert(argv.end(), args.begin(), args.end());
    absl::StatusOr<std::unique_ptr<ChildProcess>> p = ChildProcess::Start(argv, stack.env());
    EXPECT_TRUE(p.ok()) << p.status();
    return p.ok() ? *std::move(p) : nullptr;
  }

  static std::vector<std::string> Mrz(const std::string& profile_name) {
    absl::StatusOr<vchip::ChipProfile> p = vchip::LoadChipProfile(TestPkiDir() + "/profiles/" + profile_name + ".json");
    EXPECT_TRUE(p.ok()) << p.status();
    const vchip::ClientAccessKey& k = p->client_access_key;
    return {"--document-number", k.document_number,  "--date-of-birth",
            k.date_of_birth,     "--date-of-expiry", k.date_of_expiry};
  }

  std::unique_ptr<Deployment> deployment_;
};

TEST_F(PcscE2eTest, AFullSessionEndsWith1000AndTheResult) {
  PcscStack stack;
  ASSERT_TRUE(stack.Start("DocVal Desk").ok());
  std::unique_ptr<ChildProcess> card = InsertCard(stack, "pace-gm-ecdh-ca-aa");
  std::unique_ptr<ChildProcess> pcsc = Pcsc(stack, Mrz("pace-gm-ecdh-ca-aa"));
  ASSERT_EQ(pcsc->Wait(absl::Seconds(120)), 0) << pcsc->AllOutput() << card->AllOutput();
  const std::string out = pcsc->AllOutput();
  EXPECT_THAT(out, ::testing::HasSubstr("reader: DocVal Desk 00 00\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("card: ATR 3B85800180738001C0B6, T=1\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("limits: extended length yes, commands up to 65544 bytes, responses up to "
                                        "65538 bytes (the reader does not report its APDU limit; the ATR says the "
                                        "card takes extended APDUs)"));
  EXPECT_THAT(out, ::testing::HasSubstr(
                       "statuses: READ_ATR_INFO ACCESS_CONTROL READ_SOD READ_DG14 CHIP_AUTHENTICATION READ_DG15 "
                       "ACTIVE_AUTHENTICATION READ_DG1 READ_DG2 READ_DG7 READ_DG11 READ_DG12 PASSIVE_AUTHENTICATION "
                       "DONE\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("close notice: {\"close_code\":1000,\"close_reason\":\"\"}\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("close code: 1000\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("\"chip_authentication_result\": \"SUCCESS\""));
  EXPECT_THAT(out, ::testing::HasSubstr("\"active_authentication_result\": \"SUCCESS\""));

  // The Result Server got the same document, from this session.
  ASSERT_TRUE(deployment_->result_server().WaitForRequests(1, absl::Seconds(10)));
  nlohmann::json body = nlohmann::json::parse(deployment_->result_server().requests().front().body);
  EXPECT_EQ(body["client_validation_id"], "pcsc");
  EXPECT_EQ(body["emrtd_passport"]["mrz_info"]["document_number"], Mrz("pace-gm-ecdh-ca-aa")[1]);
  EXPECT_EQ(body["emrtd_passport"]["passive_authentication"], true);
  // The card was reset when the client let it go, so its secure-messaging session ended with the session.
  EXPECT_TRUE(WaitForOutput(*card, "vpcd: reset", absl::Seconds(10))) << card->AllOutput();
}

TEST_F(PcscE2eTest, ACardRemovedMidSessionEndsItWith1001FromTheClient) {
  PcscStack stack;
  ASSERT_TRUE(stack.Start("DocVal Desk").ok());
  // The card leaves the second slot after answering 8 commands; the first slot stays empty.
  std::unique_ptr<ChildProcess> card = InsertCard(stack, "fault-card-removed", /*slot=*/1);
  std::unique_ptr<ChildProcess> pcsc = Pcsc(stack, Mrz("fault-card-removed"));
  ASSERT_EQ(pcsc->Wait(absl::Seconds(120)), 1) << pcsc->AllOutput();
  const std::string out = pcsc->AllOutput();
  EXPECT_THAT(out, ::testing::HasSubstr("reader: DocVal Desk 00 01\n")) << "the reader with the card";
  EXPECT_THAT(out, ::testing::HasSubstr("(after 8 commands): ending the session\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("close code: 1001 NFC_CHIP_COMMUNICATION_FAILED (closed by this client)\n"));
  EXPECT_THAT(out, ::testing::HasSubstr("result: (none)\n"));
  EXPECT_TRUE(WaitForOutput(*card, "vpcd: the chip left the field after 8 commands", absl::Seconds(10)));
  // The server saw the client's close: the session ended without a result posted.
  std::optional<nlohmann::json> ended = deployment_->gateway().WaitForLog(
      [](const nlohmann::json& j) { return j.value("msg", "") == "session ended"; }, absl::Seconds(10));
  ASSERT_TRUE(ended.has_value()) << deployment_->AllOutput();
  EXPECT_EQ((*ended)["close_code"], 1001);
  EXPECT_EQ((*ended)["outcome"], "client_closed");
  EXPECT_EQ(deployment_->result_server().request_count(), 0u);
}

TEST_F(PcscE2eTest, ShortApdusWhenTheCardSaysSo) {
  PcscStack stack;
  ASSERT_TRUE(stack.Start("DocVal Desk").ok());
  std::unique_ptr<ChildProcess> card = InsertCard(stack, "quirk-short-apdus");
  std::unique_ptr<ChildProcess> pcsc = Pcsc(stack, Mrz("quirk-short-apdus"));
  ASSERT_EQ(pcsc->Wait(absl::Seconds(120)), 0) << pcsc->AllOutput();
  EXPECT_THAT(pcsc->AllOutput(),
              ::testing::HasSubstr("limits: extended length no, commands up to 261 bytes, responses up to 258 bytes "
                                   "(the reader does not report its APDU limit; the ATR says the card takes short "
                                   "APDUs only)"));
  EXPECT_THAT(pcsc->AllOutput(), ::testing::HasSubstr("close code: 1000\n"));
}

TEST_F(PcscE2eTest, WaitsForTheServiceAndForAReaderPluggedInLate) {
  PcscStack stack;
  // No pcscd yet: the client waits for the service.
  std::vector<std::string> args = Mrz("pace-gm-ecdh-ca-aa");
  args.insert(args.end(), {"--reader", "late", "--wait", "90"});
  std::unique_ptr<ChildProcess> pcsc = Pcsc(stack, args);
  ASSERT_TRUE(WaitForOutput(*pcsc, "waiting for the PC/SC service (pcscd)", absl::Seconds(20))) << pcsc->AllOutput();
  // The service comes with another reader only: still waiting, for the reader asked for.
  ASSERT_TRUE(stack.Start("DocVal Early").ok());
  ASSERT_TRUE(WaitForOutput(*pcsc, "waiting for a reader matching 'late' (2 reader(s))", absl::Seconds(20)))
      << pcsc->AllOutput();
  // The service restarts with the reader asked for, and a card arrives in it.
  stack.Stop();
  ASSERT_TRUE(stack.Start("DocVal Late").ok());
  std::unique_ptr<ChildProcess> card = InsertCard(stack, "pace-gm-ecdh-ca-aa");
  ASSERT_EQ(pcsc->Wait(absl::Seconds(120)), 0) << pcsc->AllOutput();
  EXPECT_THAT(pcsc->AllOutput(), ::testing::HasSubstr("reader: DocVal Late 00 00\n"));
  EXPECT_THAT(pcsc->AllOutput(), ::testing::HasSubstr("close code: 1000\n"));
}

TEST_F(PcscE2eTest, ExitCodes) {
  PcscStack stack;
  // 2: bad arguments, before anything else.
  std::unique_ptr<ChildProcess> bad = Pcsc(stack, {"--can", "12345"});
  EXPECT_EQ(bad->Wait(absl::Seconds(20)), 2);
  EXPECT_THAT(bad->AllOutput(), ::testing::HasSubstr("pcsc: --can takes 6 digits"));
  // 3: no PC/SC service within --wait.
  std::unique_ptr<ChildProcess> no_service = Pcsc(stack, {"--can", "123456", "--wait", "1"});
  EXPECT_EQ(no_service->Wait(absl::Seconds(20)), 3) << no_service->AllOutput();
  EXPECT_THAT(no_service->AllOutput(), ::testing::HasSubstr("nothing to read within 1s"));
  // 3: readers, but no card within --wait.
  ASSERT_TRUE(stack.Start("DocVal Desk").ok());
  std::unique_ptr<ChildProcess> no_card = Pcsc(stack, {"--can", "123456", "--wait", "1"});
  EXPECT_EQ(no_card->Wait(absl::Seconds(20)), 3) << no_card->AllOutput();
  EXPECT_THAT(no_card->AllOutput(), ::testing::HasSubstr("waiting for a card on one of 2 readers (2 reader(s))"));
  // 1: the server closes with something else than 1000 (a wrong MRZ: 4403).
  std::unique_ptr<ChildProcess> card = InsertCard(stack, "bac-passport");
  std::vector<std::string> wrong = Mrz("bac-passport");
  wrong[3] = wrong[3] == "840812" ? "840813" : "840812";
  std::unique_ptr<ChildProcess> refused = Pcsc(stack, wrong);
  EXPECT_EQ(refused->Wait(absl::Seconds(120)), 1) << refused->AllOutput();
  EXPECT_THAT(refused->AllOutput(), ::testing::HasSubstr("close code: 4403 ACCESS_CONTROL_FAILED\n"));
  // 0 only on 1000: the same card with the right key.
  std::unique_ptr<ChildProcess> right = Pcsc(stack, Mrz("bac-passport"));
  EXPECT_EQ(right->Wait(absl::Seconds(120)), 0) << right->AllOutput();
}

}  // namespace
}  // namespace docval::e2e
