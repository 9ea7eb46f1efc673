// Puts each worker process in a cgroup of its own under a per-node parent and limits it
// to what its lease asked for (num_cpus -> CPU quota, memory= -> memory limit), so one
// worker cannot starve or OOM its neighbours. Implementations: cgroup v1, cgroup v2, and
// "off" (no isolation), chosen once at raylet start (MakeWorkerIsolation).
//
// Runs on the raylet's event loop; not thread-safe.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <memory>
#include <string>

#include "common/id.h"
#include "common/status.h"

namespace colony::raylet {

// What a lease asked for. 0 means "no limit" for both.
struct IsolationLimits {
  double cpus = 0;
  int64_t memory_bytes = 0;
};

class WorkerIsolation {
 public:
  virtual ~WorkerIsolation() = default;

  // "cgroupv1", "cgroupv2" or "off".
  virtual std::string Name() const = 0;
  // Where the node's worker cgroups live (one folder per controller for v1); empty when off.
  virtual std::string Describe() const = 0;
  // A new worker process: make its cgroup and move it in (before it runs tasks).
  virtual Status AddProcess(pid_t pid) = 0;
  // A lease was granted to the process: its limits become the lease's. Workers are reused
  // across leases, so every grant sets both limits, "none" included.
  virtual Status SetLimits(pid_t pid, const IsolationLimits& limits) = 0;
  // The process died: true when the kernel's OOM killer killed something in its cgroup
  // (read before RemoveProcess).
  virtual bool WasOomKilled(pid_t pid) = 0;
  // The limits last set for the process (zeros if none or unknown).
  virtual IsolationLimits LimitsOf(pid_t pid) const = 0;
  // The process is gone (reaped): its cgroup goes.
  virtual void RemoveProcess(pid_t pid) = 0;
  // The raylet stops: every worker cgroup and the node's parent go (processes are dead).
  virtual void RemoveAll() = 0;
};

class NoIsolation : public WorkerIsolation {
 public:
  std::string Name() const override { return "off"; }
  std::string Describe() const override { return ""; }
  Status AddProcess(pid_t) override { return Status::OK(); }
  Status SetLimits(pid_t, const IsolationLimits&) override { return Status::OK(); }
  bool WasOomKilled(pid_t) override { return false; }
  IsolationLimits LimitsOf(pid_t) const override { return {}; }
  void RemoveProcess(pid_t) override {}
  void RemoveAll() override {}
};

// Where this process sits in the machine's cgroup file systems, from /proc/self/mountinfo
// and /proc/self/cgroup (text passed in, so tests can describe any machine).
struct CgroupLayout {
  std::map<std::string, std::string> v1_mounts;  // controller -> mount point
  std::map<std::string, std::string> v1_paths;   // controller -> this process's cgroup
  std::string v2_mount;                          // empty: no cgroup2 mounted
  std::string v2_path;                           // this process's cgroup in v2 ("/" = root)
};
CgroupLayout ParseCgroupLayout(const std::string& mountinfo, const std::string& proc_cgroup);
// The layout of this process on this machine.
CgroupLayout ReadCgroupLayout();

enum class IsolationMode { kAuto, kCgroupV1, kCgroupV2, kOff };
StatusOr<IsolationMode> ParseIsolationMode(const std::string& text);

struct IsolationChoice {
  std::unique_ptr<WorkerIsolation> isolation;  // never null
  std::string why_off;                         // set when the result is "off"
};

// Picks and sets up the implementation: kAuto tries v2 (when cpu and memory are enabled
// there), then v1 (cpu and memory hierarchies), then off. An explicit v1/v2 that cannot be
// set up is also off, with the reason. The node's parent cgroup, "colony-node-<id>", is
// made under this process's own cgroup in each hierarchy, so two raylets on one machine
// (and the machine's own grouping of the raylet) stay apart.
IsolationChoice MakeWorkerIsolation(IsolationMode mode, const NodeID& node_id,
                                    const CgroupLayout& layout);

}  // namespace colony::raylet
