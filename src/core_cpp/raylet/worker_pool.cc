#include "raylet/worker_pool.h"

#include <signal.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <utility>

#include "common/logging.h"

namespace colony::raylet {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string DescribeExit(int wait_status) {
  if (WIFEXITED(wait_status)) return "exit code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    return "signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "status " + std::to_string(wait_status);
}

// How a worker's death reads in the GCS's actor death messages.
std::string ExitReason(int wait_status) {
  if (WIFEXITED(wait_status)) return "exited with code " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    int sig = WTERMSIG(wait_status);
    return "killed by signal " + std::to_string(sig) + " (" + strsignal(sig) + ")";
  }
  return "exited with status " + std::to_string(wait_status);
}

}  // namespace

WorkerPool::WorkerPool(WorkerPoolOptions options, WorkerLauncher* launcher)
    : options_(std::move(options)), launcher_(launcher) {
  options_.max_starting = std::max(1, options_.max_starting);
}

void WorkerPool::PopWorker(const WorkerRequest& request, PopWorkerCallback callback) {
  callback = LimitOnGrant(request, std::move(callback));
  Key key{request.language, request.job_id,
          request.language == rpc::JAVA ? request.jvm_options : std::vector<std::string>(),
          request.runtime_env_hash};
  if (!request.runtime_env_hash.empty()) env_json_[request.runtime_env_hash] = request.runtime_env_json;
  auto idle = idle_.find(key);
  if (idle != idle_.end()) {
    WorkerID id = idle->second.back();
    idle->second.pop_back();
    if (idle->second.empty()) idle_.erase(idle);
    Lease(workers_.at(id), callback);
    return;
  }
  pending_pops_[key].push_back(std::move(callback));
  StartWorkersForPendingPops();
}

void WorkerPool::PushWorker(const WorkerID& worker_id) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end() || it->second.state != State::kLeased) return;
  HandOut(it->second);
}

void WorkerPool::DisconnectWorker(const WorkerID& worker_id) {
  KillWorker(worker_id, "its lease owner disconnected it");
}

void WorkerPool::StartWorkersForPendingPops() {
  // Callbacks of failed pops may pop again and change pending_pops_: look keys up afresh.
  std::vector<Key> keys;
  for (const auto& [key, pops] : pending_pops_) keys.push_back(key);
  for (const Key& key : keys) {
    if (fetch_job_config_ && !job_configs_.count(key.job_id)) {
      // Its driver registered at another node: learn the job's config before starting.
      if (fetching_job_configs_.insert(key.job_id).second) {
        JobID job_id = key.job_id;
        fetch_job_config_(job_id, [this, job_id](const rpc::JobConfig* config) {
          fetching_job_configs_.erase(job_id);
          job_configs_[job_id] = config ? *config : rpc::JobConfig();
          StartWorkersForPendingPops();
        });
      }
      continue;
    }
    if (!RuntimeEnvReady(key)) continue;
    while (num_starting_ < options_.max_starting) {
      auto it = pending_pops_.find(key);
      auto starting = starting_.find(key);
      int num_starting = starting == starting_.end() ? 0 : starting->second;
      if (it == pending_pops_.end() || num_starting >= static_cast<int>(it->second.size())) {
        break;
      }
      Status status = StartWorker(key);
      if (!status.ok()) {
        FailPendingPops(key, status);
        break;
      }
    }
  }
}

bool WorkerPool::RuntimeEnvReady(const Key& key) {
  const std::string& hash = key.runtime_env_hash;
  if (hash.empty() || env_contexts_.count(hash)) return true;
  if (env_provider_ == nullptr) {
    FailPendingPops(key, Status::RuntimeEnvSetupFailed(
                             "this raylet has no runtime-env agent to build runtime envs"));
    return false;
  }
  if (creating_envs_.insert(hash).second) {
    env_provider_->GetOrCreate(key.job_id, hash, env_json_[hash],
                               [this, hash](StatusOr<rpc::RuntimeEnvContext> context) {
                                 OnRuntimeEnvCreated(hash, std::move(context));
                               });
  }
  return false;
}

void WorkerPool::OnRuntimeEnvCreated(const std::string& hash,
                                     StatusOr<rpc::RuntimeEnvContext> context) {
  creating_envs_.erase(hash);
  if (context.ok()) {
    rpc::RuntimeEnvContext built = std::move(context.value());
    // Tasks the worker submits inherit its env (colony/_private/runtime_env.py).
    (*built.mutable_env_vars())["COLONY_RUNTIME_ENV_HASH"] = hash;
    (*built.mutable_env_vars())["COLONY_RUNTIME_ENV_JSON"] = env_json_[hash];
    env_contexts_[hash] = std::move(built);
    StartWorkersForPendingPops();
    return;
  }
  COLONY_LOG(WARNING) << "runtime env " << hash << " could not be built: "
                      << context.status().message();
  std::vector<Key> keys;
  for (const auto& [key, pops] : pending_pops_) {
    if (key.runtime_env_hash == hash) keys.push_back(key);
  }
  for (const Key& key : keys) {
    FailPendingPops(key, Status::RuntimeEnvSetupFailed(context.status().message()));
  }
}

int WorkerPool::WorkersPerProcess(const Key& key) const {
  if (key.language != rpc::JAVA || !key.jvm_options.empty()) return 1;
  auto job = job_configs_.find(key.job_id);
  int n = job == job_configs_.end() ? 1 : job->second.java_actors_per_worker();
  return std::max(1, n);
}

Status WorkerPool::StartWorker(const Key& key) {
  std::vector<WorkerID> ids(WorkersPerProcess(key));
  for (auto& id : ids) id = WorkerID::FromRandom();
  auto job = job_configs_.find(key.job_id);
  auto env = key.runtime_env_hash.empty() ? env_contexts_.end()
                                          : env_contexts_.find(key.runtime_env_hash);
  auto pid = launcher_->Launch(key.language, ids, key.job_id,
                               job == job_configs_.end() ? rpc::JobConfig() : job->second,
                               key.jvm_options,
                               env == env_contexts_.end() ? nullptr : &env->second);
  if (!pid.ok()) {
    COLONY_LOG(ERROR) << "cannot start a worker for job " << key.job_id.Hex() << ": "
                      << pid.status().ToString();
    return pid.status();
  }
  IsolateProcess(*pid);
  for (const WorkerID& id : ids) {
    workers_[id] = Worker{id, key, *pid, 0, State::kStarting, NowMs()};
    workers_of_pid_[*pid].push_back(id);
  }
  starting_[key] += static_cast<int>(ids.size());
  num_starting_ += static_cast<int>(ids.size());
  COLONY_LOG(INFO) << "starting " << (ids.size() > 1 ? std::to_string(ids.size()) + " workers " : "worker ")
                   << ids[0].Hex() << (ids.size() > 1 ? ".." : "") << " in pid " << *pid
                   << " for job " << key.job_id.Hex();
  return Status::OK();
}

Status WorkerPool::RegisterWorker(const rpc::RegisterWorkerRequest& request) {
  if (!WorkerID::IsValidBinary(request.worker_id())) {
    return Status::InvalidArgument("worker_id must be " + std::to_string(WorkerID::kSize) +
                                   " bytes");
  }
  WorkerID id = WorkerID::FromBinary(request.worker_id());
  auto it = workers_.find(id);
  if (it == workers_.end()) {
    return Status::NotFound("worker " + id.Hex() + " was not started by this raylet or is gone");
  }
  Worker& worker = it->second;
  if (worker.state != State::kStarting) {
    return Status::AlreadyExists("worker " + id.Hex() + " registered twice");
  }
  if (request.language() != worker.key.language ||
      request.job_id() != worker.key.job_id.Binary()) {
    return Status::InvalidArgument("worker " + id.Hex() + " was started for job " +
                                   worker.key.job_id.Hex() + " and another language or job");
  }
  if (request.port() <= 0) return Status::InvalidArgument("worker port must be > 0");
  worker.port = request.port();
  if (--starting_[worker.key] == 0) starting_.erase(worker.key);
  num_starting_--;
  start_failures_.erase(worker.key);
  COLONY_LOG(INFO) << "worker " << id.Hex() << " pid " << worker.pid << " registered on port "
                   << worker.port;
  HandOut(worker);
  StartWorkersForPendingPops();
  return Status::OK();
}

void WorkerPool::HandOut(Worker& worker) {
  auto it = pending_pops_.find(worker.key);
  if (it != pending_pops_.end()) {
    PopWorkerCallback callback = std::move(it->second.front());
    it->second.pop_front();
    if (it->second.empty()) pending_pops_.erase(it);
    Lease(worker, callback);
    return;
  }
  worker.state = State::kIdle;
  worker.since_ms = NowMs();
  idle_[worker.key].push_back(worker.id);
}

void WorkerPool::Lease(Worker& worker, const PopWorkerCallback& callback) {
  worker.state = State::kLeased;
  LeasedWorker leased;
  leased.worker_id = worker.id;
  leased.address.set_node_id(options_.node_id.Binary());
  leased.address.set_ip(options_.node_ip);
  leased.address.set_port(worker.port);
  leased.address.set_worker_id(worker.id.Binary());
  leased.pid = worker.pid;
  callback(std::move(leased));
}

void WorkerPool::KillWorker(WorkerID worker_id, const std::string& why) {
  auto it = workers_.find(worker_id);
  if (it == workers_.end()) return;
  COLONY_LOG(INFO) << "killing worker " << worker_id.Hex() << " pid " << it->second.pid
                   << ": " << why;
  Worker worker = it->second;
  // Disconnected by its lessee because it died: the kernel may have killed it first.
  std::string oom = SharesProcess(worker) ? "" : OomKilledReason(worker.pid);
  if (SharesProcess(worker)) {
    // Its process hosts other workers: only this one goes (it exits its own thread).
    if (stop_logical_ && worker.port > 0) {
      rpc::Address address;
      address.set_ip(options_.node_ip);
      address.set_port(worker.port);
      address.set_worker_id(worker.id.Binary());
      stop_logical_(address);
    }
  } else {
    // The zombie keeps its pid reserved until reaped; reaping then finds no worker.
    kill(worker.pid, SIGKILL);
  }
  State state = Remove(worker_id);
  if (state != State::kStarting) {
    if (oom.empty()) {
      ReportExit(worker, "killed by the raylet: " + why, true);
    } else {
      ReportExit(worker, oom, false, true);
    }
  }
  if (state == State::kLeased && on_leased_death_) on_leased_death_(worker_id);
  if (state == State::kStarting) StartWorkersForPendingPops();
}

bool WorkerPool::SharesProcess(const Worker& worker) const {
  auto it = workers_of_pid_.find(worker.pid);
  return it != workers_of_pid_.end() && it->second.size() > 1;
}

WorkerPool::State WorkerPool::Remove(WorkerID worker_id) {
  auto it = workers_.find(worker_id);
  Worker worker = it->second;
  workers_.erase(it);
  auto siblings = workers_of_pid_.find(worker.pid);
  if (siblings != workers_of_pid_.end()) {
    auto& ids = siblings->second;
    ids.erase(std::remove(ids.begin(), ids.end(), worker_id), ids.end());
    if (ids.empty()) workers_of_pid_.erase(siblings);
  }
  if (worker.state == State::kIdle) {
    auto& ids = idle_[worker.key];
    ids.erase(std::remove(ids.begin(), ids.end(), worker_id), ids.end());
    if (ids.empty()) idle_.erase(worker.key);
  } else if (worker.state == State::kStarting) {
    if (--starting_[worker.key] == 0) starting_.erase(worker.key);
    num_starting_--;
  }
  return worker.state;
}

void WorkerPool::ReapDeadWorkers() {
  int wait_status = 0;
  pid_t pid;
  while ((pid = waitpid(-1, &wait_status, WNOHANG)) > 0) {
    std::string oom = OomReason(pid, wait_status);  // also removes its cgroup
    auto it = workers_of_pid_.find(pid);
    if (it == workers_of_pid_.end()) continue;
    std::vector<WorkerID> ids = it->second;  // every logical worker of the process dies
    for (const WorkerID& id : ids) OnWorkerExited(id, wait_status, oom);
  }
}

void WorkerPool::OnWorkerExited(WorkerID worker_id, int wait_status, const std::string& oom_reason) {
  Worker worker = workers_.at(worker_id);
  std::string what = "worker " + worker_id.Hex() + " pid " + std::to_string(worker.pid) +
                     " exited with " + DescribeExit(wait_status) +
                     (oom_reason.empty() ? "" : ": " + oom_reason);
  std::string reason = oom_reason.empty() ? ExitReason(wait_status) : oom_reason;
  switch (Remove(worker_id)) {
    case State::kStarting:
      if (WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL) {
        // Killed from outside (an operator, the OOM killer, chaos) while starting: that
        // says nothing about the worker's environment, so it does not count towards the
        // failures that fail the waiting leases; a replacement starts.
        COLONY_LOG(WARNING) << what << " before registering; starting another";
        StartWorkersForPendingPops();
        break;
      }
      OnStartFailed(worker.key,
                    what + " before registering; see " + launcher_->LogPath(worker_id, "err"));
      break;
    case State::kIdle:
      COLONY_LOG(INFO) << what << " while idle";
      ReportExit(worker, reason, false, !oom_reason.empty());
      break;
    case State::kLeased:
      COLONY_LOG(WARNING) << what << " while leased";
      if (on_leased_death_) on_leased_death_(worker_id);
      ReportExit(worker, reason, false, !oom_reason.empty());
      break;
  }
}

void WorkerPool::ReportExit(const Worker& worker, std::string reason, bool intentional,
                            bool out_of_memory) {
  if (!on_exit_) return;
  on_exit_(WorkerExit{worker.id, worker.pid, std::move(reason), intentional, out_of_memory});
}

void WorkerPool::OnStartFailed(const Key& key, const std::string& why) {
  COLONY_LOG(WARNING) << why;
  // A worker that cannot start (bad environment, import error) would otherwise be
  // restarted forever; after a few failures in a row the waiting leases fail instead.
  if (++start_failures_[key] >= options_.max_start_failures) {
    start_failures_.erase(key);
    FailPendingPops(key, Status::Unavailable(
                             why + " (" + std::to_string(options_.max_start_failures) +
                             " failed starts in a row)"));
  }
  StartWorkersForPendingPops();
}

void WorkerPool::FailPendingPops(const Key& key, const Status& status) {
  auto it = pending_pops_.find(key);
  if (it == pending_pops_.end()) return;
  std::deque<PopWorkerCallback> pops = std::move(it->second);
  pending_pops_.erase(it);
  for (auto& callback : pops) callback(status);
}

void WorkerPool::TrimWorkers() {
  int64_t now = NowMs();
  std::vector<WorkerID> stuck;
  std::vector<std::pair<int64_t, WorkerID>> idle;
  for (const auto& [id, worker] : workers_) {
    if (worker.state == State::kStarting && now - worker.since_ms > options_.register_timeout_ms) {
      stuck.push_back(id);
    } else if (worker.state == State::kIdle && now - worker.since_ms >= options_.idle_timeout_ms) {
      idle.emplace_back(worker.since_ms, id);
    }
  }
  for (const WorkerID& id : stuck) {
    Key key = workers_.at(id).key;
    KillWorker(id, "it did not register in time");
    OnStartFailed(key, "worker " + id.Hex() + " did not register within " +
                           std::to_string(options_.register_timeout_ms) + " ms; see " +
                           launcher_->LogPath(id, "err"));
  }
  std::sort(idle.begin(), idle.end());
  for (const auto& [since, id] : idle) {
    if (static_cast<int>(workers_.size()) <= options_.num_cpus) break;
    auto it = workers_.find(id);
    if (it == workers_.end()) continue;
    // A shared process goes only when all its workers are idle, all at once.
    std::vector<WorkerID> group = workers_of_pid_[it->second.pid];
    bool all_idle = std::all_of(group.begin(), group.end(), [this](const WorkerID& w) {
      return workers_.at(w).state == State::kIdle;
    });
    if (!all_idle) continue;
    // The last one SIGKILLs the process; the others only ask their own core workers to exit.
    for (const WorkerID& w : group) KillWorker(w, "idle for too long");
  }
}

void WorkerPool::KillJobWorkers(const JobID& job_id, const std::unordered_set<WorkerID>& spare) {
  std::vector<Key> keys;
  for (const auto& [key, pops] : pending_pops_) {
    if (key.job_id == job_id) keys.push_back(key);
  }
  for (const Key& key : keys) FailPendingPops(key, Status::Cancelled("job finished"));
  std::vector<WorkerID> ids;
  for (const auto& [id, worker] : workers_) {
    if (worker.key.job_id == job_id && spare.count(id) == 0) ids.push_back(id);
  }
  for (const WorkerID& id : ids) KillWorker(id, "job " + job_id.Hex() + " finished");
}

void WorkerPool::KillAll() {
  for (const auto& [pid, ids] : workers_of_pid_) kill(pid, SIGKILL);
  for (const auto& [pid, ids] : workers_of_pid_) {
    waitpid(pid, nullptr, 0);
    if (isolation_) isolation_->RemoveProcess(pid);
  }
  for (const auto& [id, worker] : workers_) {
    if (worker.state != State::kStarting) {
      ReportExit(worker, "killed by the raylet: the raylet is shutting down", true);
    }
  }
  if (!workers_.empty()) {
    COLONY_LOG(INFO) << "killed " << workers_.size() << " workers";
  }
  workers_.clear();
  workers_of_pid_.clear();
  idle_.clear();
  pending_pops_.clear();
  starting_.clear();
  num_starting_ = 0;
}

size_t WorkerPool::num_idle() const {
  size_t n = 0;
  for (const auto& [key, ids] : idle_) n += ids.size();
  return n;
}

size_t WorkerPool::num_leased() const {
  size_t n = 0;
  for (const auto& [id, worker] : workers_) n += worker.state == State::kLeased ? 1 : 0;
  return n;
}

std::vector<int32_t> WorkerPool::worker_pids() const {
  std::vector<int32_t> pids;
  for (const auto& [pid, ids] : workers_of_pid_) pids.push_back(pid);
  return pids;
}

}  // namespace colony::raylet
