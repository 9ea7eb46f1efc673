// cgroup v2: a worker's cgroup is "<node parent>/worker-<pid>" in the unified hierarchy,
// with the cpu and memory controllers enabled down to it. CPU: cpu.max "<quota> 100000";
// memory: memory.max (and memory.swap.max 0 with a limit, so a worker over it is killed
// rather than swapped); OOM kills: the "oom_kill" count in memory.events.
#pragma once

#include <map>
#include <set>
#include <string>

#include "raylet/isolation/worker_isolation.h"

namespace colony::raylet {

class CgroupV2Isolation : public WorkerIsolation {
 public:
  // `own_dir`: this process's cgroup; the node parent is made inside it.
  CgroupV2Isolation(std::string own_dir, std::string parent)
      : own_dir_(std::move(own_dir)), parent_(std::move(parent)) {}

  // Checks that cpu and memory are available, enables them for the children of the own
  // cgroup and of the node parent, and makes the parent.
  Status Setup();

  std::string Name() const override { return "cgroupv2"; }
  std::string Describe() const override { return parent_; }
  Status AddProcess(pid_t pid) override;
  Status SetLimits(pid_t pid, const IsolationLimits& limits) override;
  bool WasOomKilled(pid_t pid) override;
  IsolationLimits LimitsOf(pid_t pid) const override;
  void RemoveProcess(pid_t pid) override;
  void RemoveAll() override;

  std::string Dir(pid_t pid) const { return parent_ + "/worker-" + std::to_string(pid); }

 private:
  std::string own_dir_;
  std::string parent_;
  std::set<pid_t> pids_;
  std::map<pid_t, IsolationLimits> limits_;
};

}  // namespace colony::raylet
