#include "gateway/dev/dev_result_store.h"

#include <thread>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::Pair;

constexpr char kBrowser[] = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

std::string Body(const std::string& validation_id, const std::string& name) {
  return nlohmann::json{{"emrtd_passport", {{"mrz_info", {{"primary_identifier", name}}}}},
                        {"client_validation_id", validation_id}}
      .dump();
}

TEST(DevResultStoreTest, KeepsTheNewestAndRefusesWhatIsNotJson) {
  DevResultStore store(2);
  EXPECT_EQ(store.Add("not json").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Add("[1]").code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(store.Add(std::string(DevResultStore::kMaxBodyBytes + 1, ' ')).code(),
            absl::StatusCode::kResourceExhausted);
  for (const char* n : {"ONE", "TWO", "THREE"}) ASSERT_TRUE(store.Add(Body("v", n)).ok());
  EXPECT_EQ(store.size(), 2u);
  nlohmann::json j = nlohmann::json::parse(store.RenderJson());
  ASSERT_EQ(j["results"].size(), 2u);
  EXPECT_EQ(j["results"][0]["body"]["emrtd_passport"]["mrz_info"]["primary_identifier"], "THREE");
  EXPECT_EQ(j["results"][1]["body"]["emrtd_passport"]["mrz_info"]["primary_identifier"], "TWO");
  EXPECT_TRUE(j["results"][0]["received_at"].is_string());
}

// AddAsync stores on the store's thread, not the caller's, and answers with Add()'s status.
TEST(DevResultStoreTest, AddAsyncStoresOnItsOwnThread) {
  DevResultStore store;
  for (const auto& [body, code] : std::vector<std::pair<std::string, absl::StatusCode>>{
           {Body("v", "ERIKSSON"), absl::StatusCode::kOk}, {"not json", absl::StatusCode::kInvalidArgument}}) {
    absl::Notification done;
    absl::Status status;
    std::thread::id thread;
    store.AddAsync(body, [&](absl::Status s) {
      status = s;
      thread = std::this_thread::get_id();
      done.Notify();
    });
    ASSERT_TRUE(done.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(status.code(), code) << status;
    EXPECT_NE(thread, std::this_thread::get_id());
  }
  EXPECT_EQ(store.size(), 1u);
}

// With no room to wait (max_queued_posts 0) or after Shutdown(), AddAsync refuses at once, unavailable.
TEST(DevResultStoreTest, AddAsyncRefusesWhenFullOrShutDown) {
  DevResultStore full(20, TranscodeLimits{}, /*max_queued_posts=*/0);
  DevResultStore stopped;
  stopped.Shutdown();
  for (DevResultStore* store : {&full, &stopped}) {
    bool called = false;
    store->AddAsync(Body("v", "ERIKSSON"), [&](absl::Status s) {
      called = true;
      EXPECT_EQ(s.code(), absl::StatusCode::kUnavailable) << s;
    });
    EXPECT_TRUE(called);  // synchronously
    EXPECT_EQ(store->size(), 0u);
  }
}

TEST(DevResultStoreTest, ContentNegotiation) {
  DevResultStore store;
  ASSERT_TRUE(store.Add(Body("v", "ERIKSSON")).ok());
  // Programs: JSON, as before, whatever else they accept.
  for (const char* accept : {"", "*/*", "application/json", "application/json, text/html;q=0.5"}) {
    DevResultStore::Response r = store.Render("/dev/results", accept, 0);
    EXPECT_EQ(r.content_type, "application/json") << accept;
    EXPECT_EQ(r.body, store.RenderJson());
    EXPECT_THAT(r.headers, Contains(Pair("Vary", "Accept")));
    EXPECT_THAT(r.headers, Contains(Pair("Cache-Control", "no-store")));
  }
  // Browsers: the page, with its Content-Security-Policy.
  DevResultStore::Response r = store.Render("/dev/results", kBrowser, 0);
  EXPECT_EQ(r.content_type, "text/html; charset=utf-8");
  EXPECT_THAT(r.body, HasSubstr("<h2>ERIKSSON</h2>"));
  EXPECT_THAT(r.headers, Contains(Pair("Content-Security-Policy", ResultsPageCsp())));
  EXPECT_THAT(r.headers, Contains(Pair("Vary", "Accept")));
  // The page's poll: a small summary, whatever Accept says.
  r = store.Render("/dev/results?summary", kBrowser, 3);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body, "{\"generation\":1,\"results\":1,\"sessions_running\":3}");
  r = store.Render("/dev/results?x=1&summary=", "", 0);
  EXPECT_EQ(r.body, "{\"generation\":1,\"results\":1,\"sessions_running\":0}");
  r = store.Render("/dev/results?summaryx", "", 0);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_THAT(r.body, HasSubstr("\"results\": ["));
}

TEST(DevResultStoreTest, TheGenerationCountsEveryResultEvenWhenOldOnesLeave) {
  DevResultStore store(1);
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(store.Add(Body("v", "X")).ok());
  EXPECT_EQ(store.Render("/dev/results?summary", "", 0).body,
            "{\"generation\":3,\"results\":1,\"sessions_running\":0}");
}

TEST(DevResultStoreTest, ASessionStartGivesItsResultADuration) {
  DevResultStore store;
  store.SessionStarted("desk-1");
  ASSERT_TRUE(store.Add(Body("other", "FIRST")).ok());
  ASSERT_TRUE(store.Add(Body("desk-1", "SECOND")).ok());
  ASSERT_TRUE(store.Add(Body("desk-1", "THIRD")).ok());  // the start was used up by SECOND
  std::string html = store.Render("/dev/results", kBrowser, 0).body;
  size_t third = html.find("<h2>THIRD</h2>"), second = html.find("<h2>SECOND</h2>"),
         first = html.find("<h2>FIRST</h2>");
  ASSERT_NE(third, std::string::npos);
  ASSERT_NE(second, std::string::npos);
  ASSERT_NE(first, std::string::npos);
  EXPECT_EQ(html.substr(third, second - third).find("(start message to result received)"), std::string::npos);
  EXPECT_NE(html.substr(second, first - second).find("(start message to result received)"), std::string::npos);
  EXPECT_EQ(html.substr(first).find("(start message to result received)"), std::string::npos);
}

TEST(DevResultStoreTest, PendingStartsAreBounded) {
  DevResultStore store;
  for (size_t i = 0; i < DevResultStore::kMaxPendingStarts + 10; ++i) store.SessionStarted(absl::StrCat("s-", i));
  // The oldest starts were dropped: their results come without a duration; the newest keep theirs.
  ASSERT_TRUE(store.Add(Body("s-0", "OLD")).ok());
  ASSERT_TRUE(store.Add(Body(absl::StrCat("s-", DevResultStore::kMaxPendingStarts + 9), "NEW")).ok());
  std::string html = store.Render("/dev/results", kBrowser, 0).body;
  const size_t old_card = html.find("<h2>OLD</h2>");
  ASSERT_NE(old_card, std::string::npos);
  EXPECT_EQ(html.substr(old_card).find("(start message to result received)"), std::string::npos);
  EXPECT_NE(html.substr(0, old_card).find("(start message to result received)"), std::string::npos);
}

}  // namespace
}  // namespace docval::gateway
