// The vpcd side of `docval chip`: the message handling on its own, and ServeVpcd over a real loopback
// socket against a test standing in for vpcd (length-prefixed messages, control codes, card removal).
#include "tools/chip_cli/vpcd_card.h"

#include <unistd.h>

#include <thread>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "tools/vchip/chip_rng.h"

namespace docval::chip_cli {
namespace {

using emrtd::HexOrDie;
using emrtd::ToHex;

// A chip with one file in the master file; enough to answer SELECT and READ BINARY.
std::unique_ptr<vchip::VirtualChip> SmallChip(int64_t stop_after = -1) {
  vchip::ChipProfile p;
  p.name = "vpcd-test";
  p.secrets = {"L898902C", "690806", "940623", ""};
  vchip::ChipFile f;
  f.name = "EF.ATR/INFO";
  f.fid = 0x2F01;
  f.in_mf = true;
  f.read = vchip::AccessRule::kAlways;
  f.content = HexOrDie("7F6608020200FF020200FF");
  p.files.push_back(f);
  p.faults.stop_after_commands = stop_after;
  auto chip = vchip::VirtualChip::Create(std::move(p), vchip::NewSeededRandom(1));
  EXPECT_TRUE(chip.ok()) << chip.status();
  return std::move(*chip);
}

const char kSelectAtrInfo[] = "00A4020C022F01";

TEST(ContactlessAtrTest, IsAWellFormedPseudoAtrWithACheckByte) {
  Bytes atr = ContactlessAtr(true);
  EXPECT_EQ(ToHex(atr), "3B85800180738001C0B6");
  ASSERT_EQ(atr.size(), 4u + 5u + 1u);
  EXPECT_EQ(atr[0], 0x3B);
  EXPECT_EQ(atr[1], 0x85);  // TD1 present, 5 historical bytes
  EXPECT_EQ(atr[2], 0x80);  // TD1: TD2 present, T=0
  EXPECT_EQ(atr[3], 0x01);  // TD2: T=1
  uint8_t x = 0;
  for (size_t i = 1; i < atr.size(); ++i) x ^= atr[i];
  EXPECT_EQ(x, 0) << "TCK makes the XOR of T0..TCK zero (ISO/IEC 7816-3 §8.2.5)";
  EXPECT_EQ(atr[8] & 0x40, 0x40);
  EXPECT_EQ(ContactlessAtr(false)[8] & 0x40, 0x00);
}

TEST(VpcdCardTest, ControlCodesAndCommands) {
  auto chip = SmallChip();
  VpcdCard card(*chip, ContactlessAtr(true));
  VpcdCard::Reaction r = card.Handle(Bytes{kVpcdPowerOn});
  EXPECT_FALSE(r.reply.has_value());
  EXPECT_EQ(r.event, "power on");
  EXPECT_TRUE(card.powered());
  r = card.Handle(Bytes{kVpcdGetAtr});
  ASSERT_TRUE(r.reply.has_value());
  EXPECT_EQ(*r.reply, ContactlessAtr(true));
  EXPECT_EQ(r.event, "");
  r = card.Handle(HexOrDie(kSelectAtrInfo));
  ASSERT_TRUE(r.reply.has_value());
  EXPECT_EQ(ToHex(*r.reply), "9000");
  r = card.Handle(HexOrDie("00B000000B"));
  ASSERT_TRUE(r.reply.has_value());
  EXPECT_EQ(ToHex(*r.reply), "7F6608020200FF020200FF9000");
  EXPECT_EQ(card.commands(), 2);
  r = card.Handle(Bytes{kVpcdReset});
  EXPECT_EQ(r.event, "reset");
  // After the reset nothing is selected any more: READ BINARY without a current EF fails.
  r = card.Handle(HexOrDie("00B000000B"));
  ASSERT_TRUE(r.reply.has_value());
  EXPECT_NE(ToHex(*r.reply), "7F6608020200FF020200FF9000");
  r = card.Handle(Bytes{kVpcdPowerOff});
  EXPECT_FALSE(card.powered());
  r = card.Handle(Bytes{9});
  EXPECT_FALSE(r.reply.has_value());
  EXPECT_EQ(r.event, "unknown control code 9 ignored");
  r = card.Handle(Bytes{});
  EXPECT_FALSE(r.reply.has_value());
}

TEST(VpcdCardTest, TheChipLeavingTheFieldRemovesTheCard) {
  auto chip = SmallChip(/*stop_after=*/1);
  VpcdCard card(*chip, ContactlessAtr(true));
  EXPECT_TRUE(card.Handle(HexOrDie(kSelectAtrInfo)).reply.has_value());
  VpcdCard::Reaction r = card.Handle(HexOrDie("00B0000000"));
  EXPECT_FALSE(r.reply.has_value());
  EXPECT_TRUE(r.left_field);
  EXPECT_EQ(r.event, "the chip left the field after 1 commands");
}

TEST(ParseHostPortTest, Forms) {
  std::string host;
  int port = 0;
  ASSERT_TRUE(ParseHostPort("127.0.0.1:35963", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 35963);
  ASSERT_TRUE(ParseHostPort("[::1]:40000", &host, &port).ok());
  EXPECT_EQ(host, "::1");
  EXPECT_FALSE(ParseHostPort("localhost", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("localhost:0", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort("localhost:70000", &host, &port).ok());
  EXPECT_FALSE(ParseHostPort(":80", &host, &port).ok());
}

// The test plays vpcd: it listens, the card connects to it.
class FakeVpcd {
 public:
  FakeVpcd() {
    listen_fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)), 0);
    EXPECT_EQ(listen(listen_fd_, 1), 0);
    socklen_t len = sizeof(a);
    getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len);
    port_ = ntohs(a.sin_port);
  }
  ~FakeVpcd() {
    if (fd_ >= 0) close(fd_);
    close(listen_fd_);
  }
  int port() const { return port_; }
  void Accept() { fd_ = accept(listen_fd_, nullptr, nullptr); }
  void Send(const Bytes& m) {
    Bytes framed = {static_cast<uint8_t>(m.size() >> 8), static_cast<uint8_t>(m.size())};
    framed.insert(framed.end(), m.begin(), m.end());
    ASSERT_EQ(write(fd_, framed.data(), framed.size()), static_cast<ssize_t>(framed.size()));
  }
  // The next message, or nullopt at end of stream.
  std::optional<Bytes> Receive() {
    uint8_t len[2];
    if (!ReadN(len, 2)) return std::nullopt;
    Bytes m((size_t{len[0]} << 8) | len[1]);
    if (!ReadN(m.data(), m.size())) return std::nullopt;
    return m;
  }
  void SendRaw(const Bytes& b) { ASSERT_EQ(write(fd_, b.data(), b.size()), static_cast<ssize_t>(b.size())); }
  void CloseConnection() {
    close(fd_);
    fd_ = -1;
  }

 private:
  bool ReadN(uint8_t* p, size_t n) {
    size_t got = 0;
    while (got < n) {
      ssize_t r = read(fd_, p + got, n - got);
      if (r <= 0) return false;
      got += static_cast<size_t>(r);
    }
    return true;
  }
  int listen_fd_ = -1;
  int fd_ = -1;
  int port_ = 0;
};

TEST(ServeVpcdTest, AnswersOverTheSocketUntilTheReaderCloses) {
  FakeVpcd vpcd;
  auto chip = SmallChip();
  absl::Status served;
  std::vector<std::string> events;
  std::thread card([&] {
    VpcdOptions o;
    o.on_event = [&](const std::string& e) { events.push_back(e); };
    served = ServeVpcd("127.0.0.1", vpcd.port(), *chip, o);
  });
  vpcd.Accept();
  vpcd.Send(Bytes{kVpcdPowerOn});
  vpcd.Send(Bytes{kVpcdGetAtr});
  std::optional<Bytes> atr = vpcd.Receive();
  ASSERT_TRUE(atr.has_value());
  EXPECT_EQ(*atr, ContactlessAtr(true));
  vpcd.Send(HexOrDie(kSelectAtrInfo));
  std::optional<Bytes> rapdu = vpcd.Receive();
  ASSERT_TRUE(rapdu.has_value());
  EXPECT_EQ(ToHex(*rapdu), "9000");
  vpcd.CloseConnection();
  card.join();
  EXPECT_TRUE(served.ok()) << served;
  ASSERT_GE(events.size(), 3u);
  EXPECT_EQ(events[1], "vpcd: power on");
  EXPECT_EQ(events.back(), "vpcd: the reader closed the connection after 1 commands");
}

TEST(ServeVpcdTest, TheCardLeavesByClosingTheConnection) {
  FakeVpcd vpcd;
  auto chip = SmallChip(/*stop_after=*/1);
  absl::Status served;
  std::thread card([&] { served = ServeVpcd("127.0.0.1", vpcd.port(), *chip, {}); });
  vpcd.Accept();
  vpcd.Send(HexOrDie(kSelectAtrInfo));
  ASSERT_TRUE(vpcd.Receive().has_value());
  vpcd.Send(HexOrDie("00B0000000"));
  EXPECT_FALSE(vpcd.Receive().has_value()) << "the card closes instead of answering";
  card.join();
  EXPECT_TRUE(served.ok()) << served;
}

TEST(ServeVpcdTest, AMessageCutShortIsAnError) {
  FakeVpcd vpcd;
  auto chip = SmallChip();
  absl::Status served;
  std::thread card([&] { served = ServeVpcd("127.0.0.1", vpcd.port(), *chip, {}); });
  vpcd.Accept();
  vpcd.Send(Bytes{});                  // an empty message is ignored
  vpcd.SendRaw(HexOrDie("000500A4"));  // announces 5 bytes, sends 2, hangs up
  vpcd.CloseConnection();
  card.join();
  EXPECT_EQ(served.code(), absl::StatusCode::kUnavailable) << served;
}

TEST(ServeVpcdTest, NobodyListeningIsAnErrorAfterTheConnectTimeout) {
  int port = 0;
  {
    FakeVpcd closed;  // a port that was free a moment ago
    port = closed.port();
  }
  auto chip = SmallChip();
  VpcdOptions o;
  o.connect_timeout = absl::Milliseconds(300);
  absl::Status s = ServeVpcd("127.0.0.1", port, *chip, o);
  EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
}

}  // namespace
}  // namespace docval::chip_cli
