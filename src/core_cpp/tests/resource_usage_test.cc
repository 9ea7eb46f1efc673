// ResourceUsageSampler over a fake /proc, and ProcfsSource against this very process.
#include "raylet/resource_usage.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <map>

namespace colony::raylet {
namespace {

class FakeProc : public ProcSource {
 public:
  std::optional<Process> ReadProcess(pid_t pid) override {
    auto it = procs.find(pid);
    if (it == procs.end()) return std::nullopt;
    return it->second;
  }
  std::optional<Memory> ReadMemory() override { return memory; }
  double TicksPerSecond() const override { return 100; }

  std::map<pid_t, Process> procs;
  Memory memory{1000, 250};
};

TEST(ResourceUsageSamplerTest, CpuIsBusyTicksOverWallTimeAndMemoryIsSummed) {
  FakeProc proc;
  std::vector<pid_t> pids = {10, 11};
  ResourceUsageSampler sampler(&proc, [&] { return pids; });
  proc.procs[10] = {1000, 100};
  proc.procs[11] = {50, 20};
  rpc::ResourceUsage first = sampler.Sample(0);
  EXPECT_EQ(first.cpu(), 0);  // no window yet
  EXPECT_EQ(first.memory_bytes(), 120);
  EXPECT_DOUBLE_EQ(first.memory_pressure(), 0.75);
  // One second later pid 10 used 150 ticks (1.5 CPUs), pid 11 none; a new pid 12 counts
  // from its second sample.
  proc.procs[10].cpu_ticks = 1150;
  proc.procs[12] = {5000, 1};
  pids.push_back(12);
  EXPECT_DOUBLE_EQ(sampler.Sample(1000).cpu(), 1.5);
  // Too soon for a new window: the last figure stays.
  proc.procs[10].cpu_ticks = 5000;
  EXPECT_DOUBLE_EQ(sampler.Sample(1100).cpu(), 1.5);
  // A gone process drops out; pid 12 now counts.
  proc.procs.erase(10);
  proc.procs[12].cpu_ticks = 5100;
  rpc::ResourceUsage later = sampler.Sample(2000);
  EXPECT_DOUBLE_EQ(later.cpu(), 1.0);
  EXPECT_EQ(later.memory_bytes(), 21);
  EXPECT_EQ(sampler.latest().memory_bytes(), 21);
}

TEST(ResourceUsageSamplerTest, ProcfsReadsThisProcessAndTheMachine) {
  ProcfsSource proc;
  auto self = proc.ReadProcess(getpid());
  ASSERT_TRUE(self.has_value());
  EXPECT_GT(self->rss_bytes, 0);
  EXPECT_FALSE(proc.ReadProcess(-5).has_value());
  auto mem = proc.ReadMemory();
  ASSERT_TRUE(mem.has_value());
  EXPECT_GT(mem->total_bytes, 0);
  EXPECT_GT(proc.TicksPerSecond(), 0);
}

}  // namespace
}  // namespace colony::raylet
