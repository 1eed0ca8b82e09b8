#include "gateway/ws/http_routes.h"

#include <prometheus/registry.h>

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

TEST(HttpRoutesTest, BodiesOnlyWhereARouteReadsOne) {
  Fixture off(GatewayOptions{});
  EXPECT_EQ(BodyLimit(off.context, "/dev/result-server"), 0u);
  EXPECT_EQ(BodyLimit(off.context, "/healthz"), 0u);
  Fixture on(GatewayOptions{}, /*dev=*/true);
  EXPECT_EQ(BodyLimit(on.context, "/dev/result-server"), DevResultStore::kMaxBodyBytes);
  EXPECT_EQ(BodyLimit(on.context, "/ws1/validate"), 0u);
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
