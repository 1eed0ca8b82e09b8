// The image's default configuration (deploy/docval.yaml, /etc/docval/docval.yaml in the image): the
// Dockerfile's CMD (`serve --config /etc/docval/docval.yaml`) and each role start with it, listen on
// every interface, and stop cleanly. Ports are moved to free ones through the environment, as an
// operator would; everything else is the file as shipped.
#include <signal.h>

#include "absl/strings/str_cat.h"
#include "base/testing/paths.h"
#include "common/config.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/e2e/process.h"

namespace docval {
namespace {

const std::string kImageConfig = docval::SourcePath("deploy/docval.yaml");

TEST(ImageConfigTest, ParsesAndListensOnEveryInterface) {
  absl::StatusOr<Config> c = LoadConfigFile(kImageConfig);
  ASSERT_TRUE(c.ok()) << c.status();
  EXPECT_TRUE(ValidateConfig(*c).ok()) << ValidateConfig(*c);
  for (const std::string& a : {c->listen, c->metrics_listen, c->health_listen, c->validator_listen, c->poster_listen}) {
    EXPECT_EQ(ParseHostPort(a)->first, "0.0.0.0") << a;
  }
  EXPECT_TRUE(c->clients.empty()) << "no client baked into the image";
  EXPECT_FALSE(c->dev_result_server);
}

class ImageConfigRoleTest : public testing::TestWithParam<const char*> {};

TEST_P(ImageConfigRoleTest, RoleStartsAndStops) {
  const std::string role = GetParam();
  std::map<std::string, std::string> env = {
      {"DOCVAL_LISTEN", "127.0.0.1:0"},           {"DOCVAL_METRICS_LISTEN", "127.0.0.1:0"},
      {"DOCVAL_HEALTH_LISTEN", "127.0.0.1:0"},    {"DOCVAL_VALIDATOR_LISTEN", "127.0.0.1:0"},
      {"DOCVAL_POSTER_LISTEN", "127.0.0.1:0"},    {"CLIENT_IDS", "image-test"},
      {"RESULT_SERVER_URLS", "https://results.invalid/docval"}};
  absl::StatusOr<std::unique_ptr<e2e::ChildProcess>> p =
      e2e::ChildProcess::Start({e2e::DocvalBinary(), role, "--config", kImageConfig}, env);
  ASSERT_TRUE(p.ok()) << p.status();
  const std::string service = role == "serve" ? "gateway" : role;
  absl::StatusOr<int> port = (*p)->WaitForPort(service, absl::Seconds(60));
  EXPECT_TRUE(port.ok()) << port.status();
  if (role == "validator" || role == "poster") {
    EXPECT_TRUE((*p)->WaitForPort("health", absl::Seconds(10)).ok());
  }
  (*p)->Signal(SIGTERM);
  EXPECT_EQ((*p)->Wait(absl::Seconds(120)), 0) << (*p)->AllOutput();
}

INSTANTIATE_TEST_SUITE_P(Roles, ImageConfigRoleTest, testing::Values("serve", "gateway", "validator", "poster"));

}  // namespace
}  // namespace docval
