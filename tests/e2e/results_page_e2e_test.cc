// The development results page in a real browser: `docval serve` with its development Result Server,
// sessions of virtual passports (one with a JPEG face, one with a JPEG 2000 face), and headless
// Chromium driven over the DevTools protocol (tools/relay's WebSocket client) to load /dev/results.
// Asserts what a person sees: the decoded size of each face image (naturalWidth/naturalHeight, so the
// PNG made from the JPEG 2000 really decodes), the verdict texts against each profile's expectation,
// the page's own style applied and no Content-Security-Policy violation, and the page refreshing
// itself when a new result arrives. Skipped with a message when Chromium is not installed.
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <nlohmann/json.hpp>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/harness.h"
#include "tools/relay/ws_client.h"

namespace docval::e2e {
namespace {

constexpr char kChromium[] = "/usr/bin/chromium";

// One page of a headless Chromium, over the DevTools protocol.
class Browser {
 public:
  static absl::StatusOr<std::unique_ptr<Browser>> Start() {
    std::unique_ptr<Browser> b(new Browser());
    b->profile_dir_ = MakeTempDir();
    absl::StatusOr<std::unique_ptr<ChildProcess>> p =
        ChildProcess::Start({kChromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                             "--no-first-run", "--disable-background-networking", "--disable-component-update",
                             "--disable-sync", "--user-data-dir=" + b->profile_dir_,
                             "--remote-debugging-address=127.0.0.1", "--remote-debugging-port=0", "about:blank"});
    if (!p.ok()) return p.status();
    b->process_ = *std::move(p);
    // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/..."
    int port = 0;
    const absl::Time deadline = absl::Now() + absl::Seconds(60);
    while (port == 0 && absl::Now() < deadline && b->process_->running()) {
      for (const std::string& line : b->process_->Lines()) {
        size_t at = line.find("DevTools listening on ws://127.0.0.1:");
        if (at != std::string::npos) port = std::atoi(line.c_str() + at + 37);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (port == 0) return absl::UnavailableError(absl::StrCat("Chromium did not start:\n", b->process_->AllOutput()));
    absl::StatusOr<std::pair<int, std::string>> list = HttpGet(port, "/json/list");
    if (!list.ok()) return list.status();
    nlohmann::json targets = nlohmann::json::parse(list->second, nullptr, false);
    std::string page_url;
    if (targets.is_array()) {
      for (const nlohmann::json& t : targets) {
        // Its webSocketDebuggerUrl echoes the Host header of our request; build it from the id.
        if (t.value("type", "") == "page")
          page_url = absl::StrCat("ws://127.0.0.1:", port, "/devtools/page/", t.value("id", ""));
      }
    }
    if (page_url.empty()) return absl::UnavailableError(absl::StrCat("no page target: ", list->second));
    absl::StatusOr<std::unique_ptr<relay::WsClient>> ws = relay::WsClient::Connect(page_url);
    if (!ws.ok()) return ws.status();
    b->devtools_ = *std::move(ws);
    return b;
  }

  ~Browser() {
    devtools_.reset();
    if (process_ && process_->running()) process_->Signal(SIGTERM);
    if (process_) process_->Wait(absl::Seconds(10));
    std::error_code ec;
    std::filesystem::remove_all(profile_dir_, ec);
  }

  // One DevTools command; its "result" object.
  absl::StatusOr<nlohmann::json> Call(const std::string& method, nlohmann::json params = nlohmann::json::object()) {
    const int id = ++next_id_;
    absl::Status s = devtools_->SendText(nlohmann::json{{"id", id}, {"method", method}, {"params", params}}.dump());
    if (!s.ok()) return s;
    while (true) {
      absl::StatusOr<relay::Frame> f = devtools_->Read(absl::Seconds(30));
      if (!f.ok()) return f.status();
      nlohmann::json m = nlohmann::json::parse(f->data, nullptr, false);
      if (!m.is_object() || m.value("id", -1) != id) continue;  // events and other answers
      if (m.contains("error")) return absl::InternalError(m["error"].dump());
      return m["result"];
    }
  }

  // Evaluates `expression` in the page until it yields a string (null: not yet), or `timeout`.
  absl::StatusOr<std::string> WaitFor(const std::string& expression, absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (absl::Now() < deadline) {
      absl::StatusOr<nlohmann::json> r =
          Call("Runtime.evaluate", {{"expression", expression}, {"returnByValue", true}});
      if (!r.ok()) return r.status();
      const nlohmann::json& v = (*r)["result"];
      if (v.value("type", "") == "string") return v["value"].get<std::string>();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return absl::DeadlineExceededError(absl::StrCat("timed out waiting for: ", expression));
  }

 private:
  Browser() = default;
  std::string profile_dir_;
  std::unique_ptr<ChildProcess> process_;
  std::unique_ptr<relay::WsClient> devtools_;
  int next_id_ = 0;
};

// What the page shows once loaded and every image decoded: per card, its title, its images' decoded
// sizes, and its verdicts with their background colour.
constexpr char kMeasure[] = R"js(
(() => {
  if (document.readyState !== 'complete') return null;
  const imgs = [...document.images];
  if (!imgs.every(i => i.complete)) return null;
  return JSON.stringify({
    contentType: document.contentType,
    violations: window.__violations || [],
    cards: [...document.querySelectorAll('article.result')].map(a => ({
      title: a.querySelector('h2').textContent,
      faces: [...a.querySelectorAll('img[data-kind=face]')].map(i => [i.naturalWidth, i.naturalHeight, i.src.slice(0, 22)]),
      verdicts: Object.fromEntries([...a.querySelectorAll('.verdict')].map(v => [v.dataset.check,
          [v.querySelector('.value').textContent, getComputedStyle(v).backgroundColor]])),
    })),
  });
})()
)js";

// Before any page script runs: collect Content-Security-Policy violations.
constexpr char kWatchCsp[] =
    "window.__violations = []; document.addEventListener('securitypolicyviolation', "
    "e => window.__violations.push(e.violatedDirective));";

std::string ExpectedVerdict(const vchip::Expectation& e, const char* check) {
  if (std::string(check) == "passive_authentication")
    return e.passive_authentication.value_or(false) ? "PASSED" : "FAILED";
  return std::string(check) == "chip_authentication" ? e.chip_authentication : e.active_authentication;
}

TEST(ResultsPageE2eTest, ChromiumShowsTheFacesAndVerdictsAndRefreshes) {
  if (!std::filesystem::exists(kChromium)) {
    GTEST_SKIP() << kChromium << " is missing: install the Debian package chromium (scripts/install-deps.sh does)";
  }
  // The development Result Server on the gateway's own port, as in the embedded default.
  const int port = FreePort();
  DeploymentOptions o;
  o.env["DOCVAL_LISTEN"] = absl::StrCat("127.0.0.1:", port);
  o.result_server_url = absl::StrCat("http://127.0.0.1:", port, "/dev/result-server");
  o.extra_yaml = "dev_result_server: true\n";
  absl::StatusOr<std::unique_ptr<Deployment>> d = Deployment::Start(o);
  ASSERT_TRUE(d.ok()) << d.status();
  ASSERT_EQ((*d)->gateway_port(), port);

  const std::vector<std::string> profiles = {"bac-passport", "pace-gm-ecdh-ca-aa"};  // JPEG, JPEG 2000 face
  for (const std::string& profile : profiles) {
    absl::StatusOr<relay::RelayOutcome> out = RunPassportSession((*d)->WsUrl(), profile);
    ASSERT_TRUE(out.ok()) << out.status();
    ASSERT_EQ(out->close.code, 1000) << profile << (*d)->AllOutput();
  }

  absl::StatusOr<std::unique_ptr<Browser>> browser = Browser::Start();
  ASSERT_TRUE(browser.ok()) << browser.status();
  Browser& b = **browser;
  ASSERT_TRUE(b.Call("Page.enable").ok());
  ASSERT_TRUE(b.Call("Page.addScriptToEvaluateOnNewDocument", {{"source", kWatchCsp}}).ok());
  ASSERT_TRUE(b.Call("Page.navigate", {{"url", absl::StrCat("http://127.0.0.1:", port, "/dev/results")}}).ok());
  absl::StatusOr<std::string> measured = b.WaitFor(kMeasure, absl::Seconds(60));
  ASSERT_TRUE(measured.ok()) << measured.status();
  nlohmann::json page = nlohmann::json::parse(*measured);
  SCOPED_TRACE(page.dump(1));
  EXPECT_EQ(page["contentType"], "text/html");
  EXPECT_EQ(page["violations"], nlohmann::json::array()) << "the page's own style and script pass its CSP";
  ASSERT_EQ(page["cards"].size(), 2u);

  // Newest first: the JPEG 2000 face (transcoded to PNG), then the JPEG face; both the 120x160 portrait.
  for (size_t i = 0; i < profiles.size(); ++i) {
    const std::string& name = profiles[profiles.size() - 1 - i];
    absl::StatusOr<vchip::ChipProfile> profile = vchip::LoadChipProfile(TestPkiDir() + "/profiles/" + name + ".json");
    ASSERT_TRUE(profile.ok()) << profile.status();
    const nlohmann::json& card = page["cards"][i];
    EXPECT_THAT(card["title"].get<std::string>(), ::testing::HasSubstr(profile->client_access_key.document_number));
    ASSERT_EQ(card["faces"].size(), 1u) << name;
    EXPECT_EQ(card["faces"][0][0], 120) << name << ": naturalWidth";
    EXPECT_EQ(card["faces"][0][1], 160) << name << ": naturalHeight";
    EXPECT_EQ(card["faces"][0][2], i == 0 ? "data:image/png;base64," : "data:image/jpeg;base64")
        << name << ": JPEG 2000 is shown as PNG, JPEG as it is";
    for (const char* check : {"passive_authentication", "chip_authentication", "active_authentication"}) {
      const std::string expected = ExpectedVerdict(profile->expect, check);
      if (expected.empty()) continue;  // the profile does not say
      EXPECT_EQ(card["verdicts"][check][0], expected) << name << " " << check;
    }
    // The page's stylesheet applied (a passed check is green): the CSP hash matched.
    if (profile->expect.passive_authentication == true) {
      EXPECT_EQ(card["verdicts"]["passive_authentication"][1], "rgb(232, 246, 236)") << name;
    }
  }

  // A new result arrives: the page's own script notices and reloads.
  absl::StatusOr<relay::RelayOutcome> again = RunPassportSession((*d)->WsUrl(), "bac-passport");
  ASSERT_TRUE(again.ok()) << again.status();
  absl::StatusOr<std::string> three = b.WaitFor(
      "document.readyState === 'complete' && document.querySelectorAll('article.result').length === 3 ? 'yes' : null",
      absl::Seconds(30));
  EXPECT_TRUE(three.ok()) << "the page did not refresh by itself: " << three.status();
}

}  // namespace
}  // namespace docval::e2e
