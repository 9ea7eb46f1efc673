// What this node's workers really use, sampled from /proc: their CPU (busy ticks between
// two samples over the wall time between them) and resident memory, and the machine's
// memory pressure. Reported with the node's resources (ResourceUsage in NodeInfo) and used
// by the policy under --scheduler-real-usage: declared resources say what work asked for,
// this says what it does (a num_cpus=0 worker can still burn a core).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <optional>
#include <unordered_map>
#include <vector>

#include "common.pb.h"

namespace colony::raylet {

// Where the figures come from: /proc in production, a fake in unit tests.
class ProcSource {
 public:
  struct Process {
    uint64_t cpu_ticks = 0;  // utime + stime, in clock ticks
    int64_t rss_bytes = 0;
  };
  struct Memory {
    int64_t total_bytes = 0;
    int64_t available_bytes = 0;
  };
  virtual ~ProcSource() = default;
  // nullopt when the process is gone.
  virtual std::optional<Process> ReadProcess(pid_t pid) = 0;
  virtual std::optional<Memory> ReadMemory() = 0;
  virtual double TicksPerSecond() const = 0;
};

class ProcfsSource : public ProcSource {
 public:
  std::optional<Process> ReadProcess(pid_t pid) override;  // /proc/<pid>/stat
  std::optional<Memory> ReadMemory() override;             // /proc/meminfo
  double TicksPerSecond() const override;
};

class ResourceUsageSampler {
 public:
  // Samples closer together than this keep the last CPU figure (a rate over a few
  // milliseconds is noise).
  static constexpr int64_t kMinCpuWindowMs = 500;

  // `pids` lists the worker processes to sample; `source` must outlive this object.
  ResourceUsageSampler(ProcSource* source, std::function<std::vector<pid_t>()> pids)
      : source_(source), pids_(std::move(pids)) {}

  // The usage now (`now_ms`: a monotonic clock). A process's CPU counts from its second
  // sample on.
  rpc::ResourceUsage Sample(int64_t now_ms);
  const rpc::ResourceUsage& latest() const { return latest_; }

 private:
  ProcSource* source_;
  std::function<std::vector<pid_t>()> pids_;
  std::unordered_map<pid_t, uint64_t> ticks_;  // at the last CPU window's start
  int64_t window_start_ms_ = -1;
  rpc::ResourceUsage latest_;
};

}  // namespace colony::raylet
