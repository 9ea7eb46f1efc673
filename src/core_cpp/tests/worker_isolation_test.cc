// WorkerIsolation against a fake cgroup root: a temp folder laid out like cgroupfs (the
// kernel's control files are plain files here), and the parsing of this machine's
// /proc/self/mountinfo and /proc/self/cgroup.
#include "raylet/isolation/worker_isolation.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "common/filesystem.h"
#include "raylet/isolation/cgroup_fs.h"
#include "raylet/isolation/cgroup_v1.h"
#include "raylet/isolation/cgroup_v2.h"
#include "raylet/isolation/cpu_quota.h"

namespace colony::raylet {
namespace {

std::string ReadTrimmed(const std::string& path) {
  auto text = cgroupfs::Read(path);
  if (!text) return "<missing>";
  while (!text->empty() && (text->back() == '\n' || text->back() == ' ')) text->pop_back();
  return *text;
}

void Put(const std::string& path, const std::string& text) {
  ASSERT_TRUE(cgroupfs::Write(path, text).ok()) << path;
}

bool IsDir(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

class FakeCgroupRoot : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/colony-fake-cgroup-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    root_ = tmpl;
  }
  void TearDown() override { std::system(("rm -rf " + root_).c_str()); }

  // A mountinfo with v1 cpu (joined with cpuacct) and memory hierarchies under root_,
  // plus a cgroup2 mount.
  std::string MountInfo() const {
    return "25 1 0:22 / /proc rw - proc proc rw\n"
           "30 24 0:26 / " + root_ + "/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct\n"
           "31 24 0:27 / " + root_ + "/memory rw,relatime shared:10 - cgroup cgroup rw,memory\n"
           "32 24 0:28 / " + root_ + "/unified rw,relatime shared:11 - cgroup2 cgroup2 rw\n";
  }

  std::string root_;
};

TEST_F(FakeCgroupRoot, LayoutJoinsMountsWithThisProcesssCgroups) {
  CgroupLayout layout = ParseCgroupLayout(
      MountInfo(), "9:name=systemd:/\n4:memory:/sandbox/abc\n2:cpu,cpuacct:/\n0::/a/b\n");
  EXPECT_EQ(layout.v1_mounts.at("cpu"), root_ + "/cpu,cpuacct");
  EXPECT_EQ(layout.v1_paths.at("cpu"), root_ + "/cpu,cpuacct");
  EXPECT_EQ(layout.v1_paths.at("memory"), root_ + "/memory/sandbox/abc");
  EXPECT_EQ(layout.v2_mount, root_ + "/unified");
  EXPECT_EQ(layout.v2_path, root_ + "/unified/a/b");
}

TEST(CgroupLayoutTest, AContainersMountRootIsStrippedFromItsCgroupPath) {
  // Inside a container the hierarchy is mounted from the container's own cgroup on.
  CgroupLayout layout = ParseCgroupLayout(
      "40 30 0:30 /docker/c1 /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n", "0::/docker/c1\n");
  EXPECT_EQ(layout.v2_path, "/sys/fs/cgroup");
  EXPECT_TRUE(layout.v1_paths.empty());
}

TEST(CgroupLayoutTest, ThisMachineParses) {
  // Whatever this machine mounts, parsing its files must not fail or invent paths.
  CgroupLayout layout = ReadCgroupLayout();
  for (const auto& [controller, path] : layout.v1_paths) {
    EXPECT_EQ(path.rfind(layout.v1_mounts.at(controller), 0), 0u) << path;
  }
}

TEST(IsolationModeTest, ParsesTheFourModesAndNamesBadOnes) {
  EXPECT_EQ(*ParseIsolationMode("auto"), IsolationMode::kAuto);
  EXPECT_EQ(*ParseIsolationMode("cgroupv1"), IsolationMode::kCgroupV1);
  EXPECT_EQ(*ParseIsolationMode("cgroupv2"), IsolationMode::kCgroupV2);
  EXPECT_EQ(*ParseIsolationMode("off"), IsolationMode::kOff);
  auto bad = ParseIsolationMode("cgroup3");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("cgroup3"), std::string::npos);
}

TEST(CpuQuotaTest, QuotaFollowsNumCpusWithAFloorAndNoneForZero) {
  EXPECT_EQ(CpuQuotaUs(0), 0);
  EXPECT_EQ(CpuQuotaUs(1), 100000);
  EXPECT_EQ(CpuQuotaUs(2.5), 250000);
  EXPECT_EQ(CpuQuotaUs(0.001), kMinCpuQuotaUs);
}

TEST_F(FakeCgroupRoot, V1WorkerGetsItsOwnCgroupInBothHierarchiesAndLimitsPerLease) {
  ASSERT_TRUE(MakeDirs(root_ + "/cpu,cpuacct").ok());
  ASSERT_TRUE(MakeDirs(root_ + "/memory/sandbox/abc").ok());
  CgroupLayout layout = ParseCgroupLayout(MountInfo(), "4:memory:/sandbox/abc\n2:cpu,cpuacct:/\n");
  NodeID node = NodeID::FromRandom();
  IsolationChoice choice = MakeWorkerIsolation(IsolationMode::kCgroupV1, node, layout);
  ASSERT_EQ(choice.isolation->Name(), "cgroupv1") << choice.why_off;
  WorkerIsolation& iso = *choice.isolation;
  std::string cpu = root_ + "/cpu,cpuacct/colony-node-" + node.Hex() + "/worker-42";
  std::string mem = root_ + "/memory/sandbox/abc/colony-node-" + node.Hex() + "/worker-42";

  ASSERT_TRUE(iso.AddProcess(42).ok());
  EXPECT_EQ(ReadTrimmed(cpu + "/cgroup.procs"), "42");
  EXPECT_EQ(ReadTrimmed(mem + "/cgroup.procs"), "42");

  ASSERT_TRUE(iso.SetLimits(42, {1.5, 300 << 20}).ok());
  EXPECT_EQ(ReadTrimmed(cpu + "/cpu.cfs_period_us"), "100000");
  EXPECT_EQ(ReadTrimmed(cpu + "/cpu.cfs_quota_us"), "150000");
  EXPECT_EQ(ReadTrimmed(mem + "/memory.limit_in_bytes"), std::to_string(300 << 20));
  EXPECT_EQ(iso.LimitsOf(42).memory_bytes, 300 << 20);

  // The next lease of the same worker asks for nothing: the limits are lifted.
  ASSERT_TRUE(iso.SetLimits(42, {0, 0}).ok());
  EXPECT_EQ(ReadTrimmed(cpu + "/cpu.cfs_quota_us"), "-1");
  EXPECT_EQ(ReadTrimmed(mem + "/memory.limit_in_bytes"), "-1");

  // The kernel's OOM counter says whether the OOM killer struck.
  Put(mem + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  EXPECT_FALSE(iso.WasOomKilled(42));
  Put(mem + "/memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
  EXPECT_TRUE(iso.WasOomKilled(42));

  iso.RemoveProcess(42);
  EXPECT_FALSE(IsDir(cpu));
  EXPECT_FALSE(IsDir(mem));
  EXPECT_TRUE(iso.SetLimits(42, {1, 0}).code() == StatusCode::kNotFound);

  ASSERT_TRUE(iso.AddProcess(43).ok());
  iso.RemoveAll();
  EXPECT_FALSE(IsDir(root_ + "/cpu,cpuacct/colony-node-" + node.Hex()));
  EXPECT_FALSE(IsDir(root_ + "/memory/sandbox/abc/colony-node-" + node.Hex()));
  EXPECT_TRUE(IsDir(root_ + "/memory/sandbox/abc"));  // not ours
}

TEST_F(FakeCgroupRoot, TwoNodesOnOneMachineGetSeparateParents) {
  ASSERT_TRUE(MakeDirs(root_ + "/cpu,cpuacct").ok());
  ASSERT_TRUE(MakeDirs(root_ + "/memory").ok());
  CgroupLayout layout = ParseCgroupLayout(MountInfo(), "4:memory:/\n2:cpu,cpuacct:/\n");
  NodeID a = NodeID::FromRandom(), b = NodeID::FromRandom();
  auto one = MakeWorkerIsolation(IsolationMode::kAuto, a, layout);
  auto two = MakeWorkerIsolation(IsolationMode::kAuto, b, layout);
  // auto: this process has no cgroup2 entry in /proc/self/cgroup here, so v1 is chosen.
  ASSERT_EQ(one.isolation->Name(), "cgroupv1") << one.why_off;
  ASSERT_EQ(two.isolation->Name(), "cgroupv1") << two.why_off;
  ASSERT_TRUE(one.isolation->AddProcess(7).ok());
  ASSERT_TRUE(two.isolation->AddProcess(7).ok());
  one.isolation->RemoveAll();
  EXPECT_FALSE(IsDir(root_ + "/memory/colony-node-" + a.Hex()));
  EXPECT_TRUE(IsDir(root_ + "/memory/colony-node-" + b.Hex() + "/worker-7"));
  two.isolation->RemoveAll();
}

TEST_F(FakeCgroupRoot, V2EnablesControllersAndWritesCpuMaxAndMemoryMax) {
  std::string own = root_ + "/unified/a/b";
  ASSERT_TRUE(MakeDirs(own).ok());
  Put(own + "/cgroup.controllers", "cpuset cpu io memory pids\n");
  CgroupLayout layout = ParseCgroupLayout(MountInfo(), "0::/a/b\n");
  NodeID node = NodeID::FromRandom();
  IsolationChoice choice = MakeWorkerIsolation(IsolationMode::kAuto, node, layout);
  ASSERT_EQ(choice.isolation->Name(), "cgroupv2") << choice.why_off;
  WorkerIsolation& iso = *choice.isolation;
  std::string parent = own + "/colony-node-" + node.Hex();
  EXPECT_EQ(ReadTrimmed(own + "/cgroup.subtree_control"), "+cpu +memory");
  EXPECT_EQ(ReadTrimmed(parent + "/cgroup.subtree_control"), "+cpu +memory");

  ASSERT_TRUE(iso.AddProcess(99).ok());
  EXPECT_EQ(ReadTrimmed(parent + "/worker-99/cgroup.procs"), "99");
  Put(parent + "/worker-99/memory.swap.max", "max");  // the kernel has swap accounting
  ASSERT_TRUE(iso.SetLimits(99, {0.5, 1 << 30}).ok());
  EXPECT_EQ(ReadTrimmed(parent + "/worker-99/cpu.max"), "50000 100000");
  EXPECT_EQ(ReadTrimmed(parent + "/worker-99/memory.max"), std::to_string(1 << 30));
  EXPECT_EQ(ReadTrimmed(parent + "/worker-99/memory.swap.max"), "0");
  ASSERT_TRUE(iso.SetLimits(99, {0, 0}).ok());
  EXPECT_EQ(ReadTrimmed(parent + "/worker-99/cpu.max"), "max 100000");
  EXPECT_EQ(ReadTrimmed(parent + "/worker-99/memory.max"), "max");
  EXPECT_EQ(ReadTrimmed(parent + "/worker-99/memory.swap.max"), "max");

  Put(parent + "/worker-99/memory.events", "low 0\nhigh 0\nmax 3\noom 1\noom_kill 1\n");
  EXPECT_TRUE(iso.WasOomKilled(99));
  iso.RemoveAll();
  EXPECT_FALSE(IsDir(parent));
}

TEST_F(FakeCgroupRoot, AnUnusableMachineIsOffWithEveryReason) {
  // cgroup2 without cpu/memory, and no v1 hierarchies.
  ASSERT_TRUE(MakeDirs(root_ + "/unified").ok());
  Put(root_ + "/unified/cgroup.controllers", "hugetlb\n");
  CgroupLayout layout = ParseCgroupLayout(
      "32 24 0:28 / " + root_ + "/unified rw - cgroup2 cgroup2 rw\n", "0::/\n");
  IsolationChoice choice = MakeWorkerIsolation(IsolationMode::kAuto, NodeID::FromRandom(), layout);
  EXPECT_EQ(choice.isolation->Name(), "off");
  EXPECT_NE(choice.why_off.find("cpu and memory controllers are not available"), std::string::npos)
      << choice.why_off;
  EXPECT_NE(choice.why_off.find("no cgroup v1 cpu hierarchy"), std::string::npos) << choice.why_off;
  // "off" accepts everything and limits nothing.
  EXPECT_TRUE(choice.isolation->AddProcess(1).ok());
  EXPECT_FALSE(choice.isolation->WasOomKilled(1));
}

TEST_F(FakeCgroupRoot, AnUnwritableRootIsOff) {
  // The v1 mount points do not exist: the node parent cannot be made.
  CgroupLayout layout = ParseCgroupLayout(MountInfo(), "4:memory:/nope\n2:cpu,cpuacct:/nope\n");
  std::system(("rm -rf " + root_).c_str());
  IsolationChoice choice = MakeWorkerIsolation(IsolationMode::kCgroupV1, NodeID::FromRandom(), layout);
  EXPECT_EQ(choice.isolation->Name(), "off");
  EXPECT_NE(choice.why_off.find("cannot create"), std::string::npos) << choice.why_off;
  ASSERT_TRUE(MakeDirs(root_).ok());
}

TEST(NoIsolationTest, OffModeSaysWhy) {
  IsolationChoice choice = MakeWorkerIsolation(IsolationMode::kOff, NodeID::FromRandom(), {});
  EXPECT_EQ(choice.isolation->Name(), "off");
  EXPECT_EQ(choice.why_off, "--worker-isolation off");
}

}  // namespace
}  // namespace colony::raylet
