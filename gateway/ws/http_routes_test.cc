#include "gateway/ws/http_routes.h"

#include <utility>
#include <vector>

#include <prometheus/registry.h>

#include "absl/synchronization/notification.h"
#include "gateway/dev/dev_result_store.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace docval::gateway {
namespace {

struct Fixture {
  explicit Fixture(GatewayOptions o, bool dev = false)
      : context(std::move(o), nullptr, nullptr, registry, dev ? std::make_shared<DevResultStore>() : nullptr) {}
  prometheus::Registry registry;
  GatewayContext context;
};

Request Get(const std::string& target) {
  Request r{http::verb::get, target, 11};
  return r;
}

TEST(HttpRoutesTest, ProbesAndRefusals) {
  Fixture f(GatewayOptions{});
  EXPECT_EQ(Route(f.context, Get("/healthz")).status, http::status::ok);
  EXPECT_EQ(Route(f.context, Get("/readyz")).status, http::status::ok);
  EXPECT_EQ(Route(f.context, Get("/ws1/validate?return_result=true")).status, http::status::upgrade_required);
  EXPECT_EQ(Route(f.context, Get("/dev/results")).status, http::status::not_found);  // dev server off
  f.context.StartDraining();
  EXPECT_EQ(Route(f.context, Get("/readyz")).status, http::status::service_unavailable);
}

// /readyz and /actuator/health for each reachability: ready only with a validator and the poster.
TEST(HttpRoutesTest, ReadinessFollowsTheUpstreams) {
  struct Case {
    UpstreamReachability reachable;
    http::status status;
    std::string readyz;
    std::string health;
  };
  const Case cases[] = {
      {{.validators = true, .poster = true}, http::status::ok, "ready\n", R"({"status":"UP"})"},
      {{.validators = false, .poster = true},
       http::status::service_unavailable,
       "no validator reachable\n",
       R"({"status":"DOWN"})"},
      {{.validators = true, .poster = false},
       http::status::service_unavailable,
       "poster unreachable\n",
       R"({"status":"DOWN"})"},
      {{.validators = false, .poster = false},
       http::status::service_unavailable,
       "no validator reachable; poster unreachable\n",
       R"({"status":"DOWN"})"},
  };
  for (const Case& c : cases) {
    Fixture f(GatewayOptions{});
    int checks = 0;
    f.context.set_reachability([&] {
      ++checks;
      return c.reachable;
    });
    HttpAnswer ready = Route(f.context, Get("/readyz"));
    EXPECT_EQ(ready.status, c.status) << c.readyz;
    EXPECT_EQ(ready.body, c.readyz);
    EXPECT_EQ(ready.route, "readyz");
    HttpAnswer health = Route(f.context, Get("/actuator/health"));
    EXPECT_EQ(health.status, c.status) << c.health;
    EXPECT_EQ(health.body, c.health);
    EXPECT_EQ(health.content_type, "application/json");
    EXPECT_EQ(health.route, "actuator_health");
    EXPECT_EQ(checks, 2) << "each probe asks once";
    // Draining wins over everything: OUT_OF_SERVICE, as Spring Boot reports a component taken out of service.
    f.context.StartDraining();
    EXPECT_EQ(Route(f.context, Get("/readyz")).body, "draining\n");
    HttpAnswer out = Route(f.context, Get("/actuator/health"));
    EXPECT_EQ(out.status, http::status::service_unavailable);
    EXPECT_EQ(out.body, R"({"status":"OUT_OF_SERVICE"})");
  }
  // Without a check (`docval serve`): ready until draining.
  Fixture serve(GatewayOptions{});
  EXPECT_EQ(Route(serve.context, Get("/actuator/health?x=1")).status, http::status::ok);
  EXPECT_EQ(Route(serve.context, Get("/readyz")).status, http::status::ok);
  // Liveness ignores the upstreams.
  serve.context.set_reachability([] { return UpstreamReachability{.validators = false, .poster = false}; });
  EXPECT_EQ(Route(serve.context, Get("/healthz")).status, http::status::ok);
}

TEST(HttpRoutesTest, BodiesOnlyWhereARouteReadsOne) {
  Fixture off(GatewayOptions{});
  EXPECT_EQ(BodyLimit(off.context, "/dev/result-server"), 0u);
  EXPECT_EQ(BodyLimit(off.context, "/healthz"), 0u);
  Fixture on(GatewayOptions{}, /*dev=*/true);
  EXPECT_EQ(BodyLimit(on.context, "/dev/result-server"), DevResultStore::kMaxBodyBytes);
  EXPECT_EQ(BodyLimit(on.context, "/ws1/validate"), 0u);
}

// POST /dev/result-server is answered from the store's thread; other methods by Route(); nothing
// while the development Result Server is off.
TEST(HttpRoutesTest, DevResultPostsAreStoredOffTheCallersThread) {
  Fixture off(GatewayOptions{});
  Request post{http::verb::post, "/dev/result-server", 11};
  post.body() = R"({"client_validation_id":"v"})";
  EXPECT_FALSE(HandleDevResultPost(off.context, post, [](HttpAnswer) { ADD_FAILURE() << "answered"; }));

  Fixture on(GatewayOptions{}, /*dev=*/true);
  EXPECT_FALSE(HandleDevResultPost(on.context, Get("/dev/result-server"), [](HttpAnswer) { ADD_FAILURE(); }));
  EXPECT_EQ(Route(on.context, Get("/dev/result-server")).status, http::status::method_not_allowed);
  Request bad = post;
  bad.body() = "not json";
  for (const auto& [req, status] :
       std::vector<std::pair<Request, http::status>>{{post, http::status::ok}, {bad, http::status::bad_request}}) {
    absl::Notification answered;
    HttpAnswer answer;
    ASSERT_TRUE(HandleDevResultPost(on.context, req, [&](HttpAnswer a) {
      answer = std::move(a);
      answered.Notify();
    }));
    ASSERT_TRUE(answered.WaitForNotificationWithTimeout(absl::Seconds(10)));
    EXPECT_EQ(answer.status, status) << answer.body;
    EXPECT_EQ(answer.route, "dev_result_server");
  }
  EXPECT_EQ(on.context.dev()->size(), 1u);
  on.context.dev()->Shutdown();
  absl::Notification answered;
  ASSERT_TRUE(HandleDevResultPost(on.context, post, [&](HttpAnswer a) {
    EXPECT_EQ(a.status, http::status::service_unavailable);
    answered.Notify();
  }));
  EXPECT_TRUE(answered.HasBeenNotified());
}

TEST(HttpRoutesTest, UpgradeOnlyToV1AndWithTheToken) {
  GatewayOptions o;
  Fixture open(o);
  EXPECT_FALSE(CheckUpgrade(open.context, Get("/ws1/validate?x")).has_value());
  std::optional<HttpAnswer> other = CheckUpgrade(open.context, Get("/ws2/validate"));
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ(other->status, http::status::not_found);

  o.handshake_authorization = true;
  o.handshake_tokens = {"Bearer a", "Bearer b"};
  Fixture guarded(o);
  std::optional<HttpAnswer> refused = CheckUpgrade(guarded.context, Get("/ws1/validate"));
  ASSERT_TRUE(refused.has_value());
  EXPECT_EQ(refused->status, http::status::unauthorized);
  Request with = Get("/ws1/validate");
  with.set(http::field::authorization, "Bearer b");
  EXPECT_FALSE(CheckUpgrade(guarded.context, with).has_value());
  with.set(http::field::authorization, "Bearer c");
  EXPECT_TRUE(CheckUpgrade(guarded.context, with).has_value());
}

TEST(GatewayContextTest, CapsCountAndGiveBack) {
  GatewayOptions o;
  o.max_connections = 1;
  o.max_sessions = 2;
  o.max_sessions_per_client = 1;
  Fixture f(o);
  {
    ConnectionSlot slot;
    ASSERT_TRUE(f.context.TryAddConnection());
    slot = ConnectionSlot(&f.context);
    EXPECT_FALSE(f.context.TryAddConnection());
    ConnectionSlot moved(std::move(slot));
    EXPECT_EQ(f.context.connections(), 1);
  }
  EXPECT_EQ(f.context.connections(), 0);
  EXPECT_TRUE(f.context.TryAddSession());
  EXPECT_TRUE(f.context.TryAddSession());
  EXPECT_FALSE(f.context.TryAddSession());
  f.context.RemoveSession();
  EXPECT_EQ(f.context.active_sessions(), 1);
  EXPECT_TRUE(f.context.TryAddClientSession("c"));
  EXPECT_FALSE(f.context.TryAddClientSession("c"));
  EXPECT_TRUE(f.context.TryAddClientSession("d"));
  f.context.RemoveClientSession("c");
  EXPECT_EQ(f.context.client_sessions("c"), 0);
  EXPECT_TRUE(f.context.TryAddClientSession("c"));
}

}  // namespace
}  // namespace docval::gateway
