#include "validator/service/usable_cpus.h"

#include <sched.h>

#include <filesystem>
#include <fstream>

#include "gtest/gtest.h"

namespace docval::validator {
namespace {

namespace fs = std::filesystem;

void Write(const fs::path& p, const std::string& text) {
  fs::create_directories(p.parent_path());
  std::ofstream(p) << text;
}

class CgroupTree : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) / ("cgroup_" + std::to_string(::getpid()) + "_" +
                                              ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
  }
  void TearDown() override { fs::remove_all(root_); }
  fs::path root_;
};

TEST(UsableCpusTest, CgroupV2CpuMax) {
  EXPECT_EQ(CpusFromCgroupV2CpuMax("max 100000\n"), std::nullopt);
  EXPECT_EQ(CpusFromCgroupV2CpuMax("200000 100000\n"), 2);
  EXPECT_EQ(CpusFromCgroupV2CpuMax("150000 100000"), 2);  // 1.5 CPUs: two threads, throttled
  EXPECT_EQ(CpusFromCgroupV2CpuMax("50000 100000"), 1);
  EXPECT_EQ(CpusFromCgroupV2CpuMax("300000"), 3);
  EXPECT_EQ(CpusFromCgroupV2CpuMax("abc 100000"), std::nullopt);
  EXPECT_EQ(CpusFromCgroupV2CpuMax(""), std::nullopt);
}

TEST(UsableCpusTest, CgroupV1Quota) {
  EXPECT_EQ(CpusFromCgroupV1Quota("-1\n", "100000\n"), std::nullopt);
  EXPECT_EQ(CpusFromCgroupV1Quota("400000\n", "100000\n"), 4);
  EXPECT_EQ(CpusFromCgroupV1Quota("1", "0"), std::nullopt);
}

TEST_F(CgroupTree, V2TakesTheSmallestLimitOnThePathToTheRoot) {
  Write(root_ / "cpu.max", "max 100000\n");
  Write(root_ / "kubepods" / "cpu.max", "300000 100000\n");
  Write(root_ / "kubepods" / "pod1" / "cpu.max", "max 100000\n");
  EXPECT_EQ(CgroupCpuLimit("0::/kubepods/pod1\n", root_.string()), 3);
  EXPECT_EQ(CgroupCpuLimit("0::/\n", root_.string()), std::nullopt);
  EXPECT_EQ(CgroupCpuLimit("0::/elsewhere\n", root_.string()), std::nullopt);
}

TEST_F(CgroupTree, V1ReadsTheCpuController) {
  Write(root_ / "cpu" / "cpu.cfs_quota_us", "250000\n");
  Write(root_ / "cpu" / "cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(CgroupCpuLimit("4:memory:/x\n2:cpuacct:/\n1:cpu:/\n0::/\n", root_.string()), 3);
  EXPECT_EQ(CgroupCpuLimit("4:memory:/x\n", root_.string()), std::nullopt);
}

TEST(UsableCpusTest, NeverMoreThanTheAffinityMask) {
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(sched_getaffinity(0, sizeof(set), &set), 0);
  const int n = UsableCpus();
  EXPECT_GE(n, 1);
  EXPECT_LE(n, CPU_COUNT(&set));
}

}  // namespace
}  // namespace docval::validator
