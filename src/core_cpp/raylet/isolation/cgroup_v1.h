// cgroup v1: a worker's cgroup is "<node parent>/worker-<pid>" in both the cpu and the
// memory hierarchies. CPU: cpu.cfs_quota_us over a 100 ms cpu.cfs_period_us; memory:
// memory.limit_in_bytes; OOM kills: the "oom_kill" count in memory.oom_control.
#pragma once

#include <map>
#include <set>
#include <string>

#include "raylet/isolation/worker_isolation.h"

namespace colony::raylet {

class CgroupV1Isolation : public WorkerIsolation {
 public:
  // Node parent folders of the "cpu" and "memory" hierarchies.
  CgroupV1Isolation(std::string cpu_parent, std::string memory_parent)
      : cpu_parent_(std::move(cpu_parent)), memory_parent_(std::move(memory_parent)) {}

  // Makes the node's parents; fails when they cannot be made (cgroups not writable).
  Status Setup();

  std::string Name() const override { return "cgroupv1"; }
  std::string Describe() const override { return cpu_parent_ + " and " + memory_parent_; }
  Status AddProcess(pid_t pid) override;
  Status SetLimits(pid_t pid, const IsolationLimits& limits) override;
  bool WasOomKilled(pid_t pid) override;
  IsolationLimits LimitsOf(pid_t pid) const override;
  void RemoveProcess(pid_t pid) override;
  void RemoveAll() override;

  std::string CpuDir(pid_t pid) const;
  std::string MemoryDir(pid_t pid) const;

 private:
  std::string cpu_parent_;
  std::string memory_parent_;
  std::set<pid_t> pids_;
  std::map<pid_t, IsolationLimits> limits_;
};

}  // namespace colony::raylet
