// Worker processes of this node, per (language, job): starts them, keeps idle ones for
// reuse, hands them to leases, and notices when they die. Runs on the raylet's event loop.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/status.h"
#include "raylet.pb.h"
#include "raylet/runtime_env_provider.h"
#include "raylet/isolation/worker_isolation.h"
#include "raylet/scheduling/worker_source.h"
#include "raylet/worker_launcher.h"

namespace colony::raylet {

struct WorkerPoolOptions {
  NodeID node_id;
  std::string node_ip;
  int num_cpus = 1;              // idle workers beyond this many workers are trimmed
  int max_starting = 1;          // workers started but not yet registered
  int64_t idle_timeout_ms = 10000;
  int64_t register_timeout_ms = 60000;
  int max_start_failures = 3;    // in a row for one (language, job) before pops fail
};

// A registered worker process that is gone: it exited, or this raylet killed it.
struct WorkerExit {
  WorkerID worker_id;
  pid_t pid = 0;
  std::string reason;        // "exited with code 1", "killed by signal 9 (Killed)", ...
  bool intentional = false;  // the raylet killed it (job end, disconnect, trim, shutdown)
  bool out_of_memory = false;  // the kernel killed it over its cgroup's memory limit
};

class WorkerPool : public WorkerSource {
 public:
  using DeathCallback = std::function<void(const WorkerID&)>;
  using ExitCallback = std::function<void(const WorkerExit&)>;

  WorkerPool(WorkerPoolOptions options, WorkerLauncher* launcher);

  void PopWorker(const WorkerRequest& request, PopWorkerCallback callback) override;
  void PushWorker(const WorkerID& worker_id) override;
  void DisconnectWorker(const WorkerID& worker_id) override;

  // A started worker's gRPC server listens: it becomes usable.
  Status RegisterWorker(const rpc::RegisterWorkerRequest& request);
  // The job's config if this raylet has it (from its driver, or fetched before starting
  // one of its workers); null otherwise.
  const rpc::JobConfig* JobConfigOf(const JobID& job_id) const {
    auto it = job_configs_.find(job_id);
    return it == job_configs_.end() ? nullptr : &it->second;
  }
  // A driver's job config (its code search path is the classpath of the job's Java workers).
  void SetJobConfig(const JobID& job_id, const rpc::JobConfig& config) {
    job_configs_[job_id] = config;
  }
  // Where the config of a job whose driver registered at another node comes from (the
  // GCS's job table). Without it, such jobs' workers start with an empty config. The
  // callback gets the config, or nullptr if it could not be had (then an empty one is used).
  using JobConfigFetcher =
      std::function<void(const JobID&, std::function<void(const rpc::JobConfig*)>)>;
  void SetJobConfigFetcher(JobConfigFetcher fetcher) { fetch_job_config_ = std::move(fetcher); }
  // Puts each started process in a cgroup of its own and limits it to each lease's
  // resources (worker_pool_isolation.cc). Without it workers run unconfined.
  void SetIsolation(WorkerIsolation* isolation) { isolation_ = isolation; }
  // Builds the runtime envs of pops that name one; without it such pops fail.
  void SetRuntimeEnvProvider(RuntimeEnvProvider* provider) { env_provider_ = provider; }
  // Kills every worker of the job, leased ones too except those in `spare` (the workers
  // of detached actors), and fails its pending pops.
  void KillJobWorkers(const JobID& job_id, const std::unordered_set<WorkerID>& spare = {});
  // SIGKILLs and reaps every worker; used at shutdown.
  void KillAll();

  // Periodic: collects exited children (waitpid) and acts on each death.
  void ReapDeadWorkers();
  // Periodic: kills workers that never registered and idle workers above num_cpus.
  void TrimWorkers();

  // Called when a leased worker dies or is killed, so its lease can end.
  void SetLeasedWorkerDeathCallback(DeathCallback callback) { on_leased_death_ = std::move(callback); }
  // Called for every registered worker that exits or is killed (the GCS is told, so it
  // can restart the worker's actor and fail the actors it owned). Workers that never
  // registered are not reported: nothing can refer to them.
  void SetWorkerExitCallback(ExitCallback callback) { on_exit_ = std::move(callback); }
  // How to stop one logical worker of a process that hosts others (an Exit call to it);
  // without it such a worker is only forgotten.
  using StopLogicalWorker = std::function<void(const rpc::Address& worker)>;
  void SetStopLogicalWorker(StopLogicalWorker stop) { stop_logical_ = std::move(stop); }

  size_t num_workers() const { return workers_.size(); }
  size_t num_idle() const;
  int num_starting() const { return num_starting_; }
  size_t num_leased() const;
  std::vector<int32_t> worker_pids() const;

 private:
  enum class State { kStarting, kIdle, kLeased };
  struct Key {
    rpc::Language language;
    JobID job_id;
    std::vector<std::string> jvm_options;  // non-empty: a JVM of its own
    std::string runtime_env_hash;          // workers of different envs are never shared
    bool operator<(const Key& o) const {
      return std::tie(language, job_id, jvm_options, runtime_env_hash) <
             std::tie(o.language, o.job_id, o.jvm_options, o.runtime_env_hash);
    }
  };
  struct Worker {
    WorkerID id;
    Key key;
    pid_t pid = 0;
    int port = 0;
    State state = State::kStarting;
    int64_t since_ms = 0;  // start or idle time
  };

  void StartWorkersForPendingPops();
  // False while the key's runtime env is not built yet (asks the provider once per env).
  bool RuntimeEnvReady(const Key& key);
  void OnRuntimeEnvCreated(const std::string& hash, StatusOr<rpc::RuntimeEnvContext> context);
  Status StartWorker(const Key& key);
  // Gives `worker` to the oldest pending pop of its key, else parks it idle.
  void HandOut(Worker& worker);
  void Lease(Worker& worker, const PopWorkerCallback& callback);
  void KillWorker(WorkerID worker_id, const std::string& why);
  // How many logical workers one process of `key` hosts (job config java_actors_per_worker).
  int WorkersPerProcess(const Key& key) const;
  // Set by the raylet: asks one logical worker of a shared process to exit on its own.
  bool SharesProcess(const Worker& worker) const;
  void ReportExit(const Worker& worker, std::string reason, bool intentional,
                  bool out_of_memory = false);
  void OnWorkerExited(WorkerID worker_id, int wait_status, const std::string& oom_reason = "");
  // Isolation (worker_pool_isolation.cc): a started process gets its cgroup; a lease's
  // grant sets its limits; a reaped process's OOM kill is explained and its cgroup goes.
  void IsolateProcess(pid_t pid);
  PopWorkerCallback LimitOnGrant(const WorkerRequest& request, PopWorkerCallback callback);
  std::string OomReason(pid_t pid, int wait_status);
  std::string OomKilledReason(pid_t pid);  // empty unless its cgroup saw an OOM kill
  void OnStartFailed(const Key& key, const std::string& why);
  void FailPendingPops(const Key& key, const Status& status);
  // Forgets the worker; returns its former state. IDs are taken by value here: callers
  // often pass references into the maps these functions erase from.
  State Remove(WorkerID worker_id);

  WorkerPoolOptions options_;
  WorkerLauncher* launcher_;
  DeathCallback on_leased_death_;
  ExitCallback on_exit_;
  StopLogicalWorker stop_logical_;

  std::unordered_map<WorkerID, Worker> workers_;
  // A JVM hosts several logical workers (thread-hosted Java actors): one pid, many ids.
  std::unordered_map<pid_t, std::vector<WorkerID>> workers_of_pid_;
  std::map<Key, std::vector<WorkerID>> idle_;  // most recently used last
  std::map<Key, std::deque<PopWorkerCallback>> pending_pops_;
  std::map<Key, int> starting_;
  int num_starting_ = 0;
  std::map<Key, int> start_failures_;
  std::unordered_map<JobID, rpc::JobConfig> job_configs_;
  JobConfigFetcher fetch_job_config_;
  WorkerIsolation* isolation_ = nullptr;
  std::unordered_set<JobID> fetching_job_configs_;
  RuntimeEnvProvider* env_provider_ = nullptr;
  std::map<std::string, std::string> env_json_;  // runtime env hash -> its JSON
  // Built envs, by hash. Failures are not kept: the next pop asks the agent again.
  std::map<std::string, rpc::RuntimeEnvContext> env_contexts_;
  std::unordered_set<std::string> creating_envs_;
};

}  // namespace colony::raylet
