// The worker pool's use of WorkerIsolation (raylet/isolation/): kept apart from the pool's
// bookkeeping in worker_pool.cc.
#include <signal.h>
#include <sys/wait.h>

#include "common/logging.h"
#include "raylet/worker_pool.h"

namespace colony::raylet {

void WorkerPool::IsolateProcess(pid_t pid) {
  if (isolation_ == nullptr) return;
  Status status = isolation_->AddProcess(pid);
  if (!status.ok()) {
    COLONY_LOG(WARNING) << "worker pid " << pid << " runs without a cgroup of its own: "
                        << status.ToString();
  }
}

// Limits are set at every grant (not once per process), because an idle worker serves
// the next lease of its job whatever that lease asked for; a grant without num_cpus or
// memory lifts the limit the previous one set.
PopWorkerCallback WorkerPool::LimitOnGrant(const WorkerRequest& request,
                                           PopWorkerCallback callback) {
  if (isolation_ == nullptr || isolation_->Name() == "off") return callback;
  IsolationLimits limits{request.resources.Get("CPU"),
                         static_cast<int64_t>(request.resources.Get("memory"))};
  return [this, limits, callback = std::move(callback)](StatusOr<LeasedWorker> worker) {
    if (worker.ok()) {
      auto pids = workers_of_pid_.find(worker->pid);
      // A JVM hosting several logical workers is shared by leases: no one lease's limit
      // fits it, so it keeps none.
      if (pids != workers_of_pid_.end() && pids->second.size() == 1) {
        Status status = isolation_->SetLimits(worker->pid, limits);
        if (!status.ok()) {
          COLONY_LOG(WARNING) << "cannot limit worker pid " << worker->pid << ": "
                              << status.ToString();
        }
      }
    }
    callback(std::move(worker));
  };
}

std::string WorkerPool::OomKilledReason(pid_t pid) {
  if (isolation_ == nullptr || !isolation_->WasOomKilled(pid)) return "";
  IsolationLimits limits = isolation_->LimitsOf(pid);
  return "the worker (pid " + std::to_string(pid) + ") used over its memory= limit of " +
         std::to_string(limits.memory_bytes) + " bytes on node " + options_.node_id.Hex() +
         " and was killed by the kernel's OOM killer";
}

std::string WorkerPool::OomReason(pid_t pid, int wait_status) {
  if (isolation_ == nullptr) return "";
  std::string reason;
  // The OOM killer sends SIGKILL; the cgroup's counter says it was the kernel's doing.
  if (WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL) reason = OomKilledReason(pid);
  isolation_->RemoveProcess(pid);
  return reason;
}

}  // namespace colony::raylet
