#include "core_worker/normal_task_submitter.h"

#include <algorithm>
#include <memory>

#include "common/logging.h"

namespace colony {
namespace {

// Tasks that need the same resources in the same language, placed by the same strategy,
// can share a lease.
std::string SchedulingKey(const rpc::TaskSpec& spec) {
  std::string key = std::to_string(spec.language()) + "|" + spec.job_id() + "|" +
                    spec.scheduling_strategy().SerializeAsString() + "|env=" +
                    spec.runtime_env_hash();  // a lease's worker runs one runtime env
  std::map<std::string, double> sorted(spec.resources().begin(), spec.resources().end());
  for (const auto& [name, amount] : sorted) key += "|" + name + "=" + std::to_string(amount);
  return key;
}

}  // namespace

void NormalTaskSubmitter::Submit(TaskSpecPtr spec) {
  d_.loop->Post([this, spec = std::move(spec)]() mutable {
    if (resolver_.NeedsResolving(*spec)) {
      ResolveDependencies(std::move(spec));
    } else {
      Enqueue(std::move(spec));
    }
  });
}

void NormalTaskSubmitter::ResolveDependencies(TaskSpecPtr spec) {
  // The resolved spec carries values inline: a copy of its own (the task manager keeps the
  // original for retries, which resolve again).
  auto resolved = std::make_shared<rpc::TaskSpec>(*spec);
  TaskID task_id = TaskID::FromBinary(resolved->task_id());
  resolving_.insert(task_id);
  resolver_.Resolve(resolved, [this, resolved, task_id]() {
    resolving_.erase(task_id);
    if (cancelled_while_resolving_.erase(task_id)) return;  // already failed by Cancel
    Enqueue(resolved);
  });
}

std::string NormalTaskSubmitter::PreferredRaylet(const rpc::TaskSpec& spec) const {
  if (spec.scheduling_strategy().kind() != rpc::SchedulingStrategy::DEFAULT) return "";
  std::map<std::string, uint64_t> bytes_at;
  for (const auto& arg : spec.args()) {
    // Arguments in shared memory stay refs; this process knows where the ones it owns are.
    ObjectValuePtr value =
        arg.has_ref() ? d_.store->GetIfExists(ObjectID::FromBinary(arg.ref().object_id()))
                      : nullptr;
    if (value != nullptr && value->in_plasma() && !value->plasma_node_address().empty()) {
      bytes_at[value->plasma_node_address()] += value->plasma_size();
    }
  }
  std::string best;
  uint64_t most = 0;
  for (const auto& [raylet, bytes] : bytes_at) {
    if (bytes > most) {
      most = bytes;
      best = raylet;
    }
  }
  return best;
}

void NormalTaskSubmitter::Enqueue(TaskSpecPtr spec) {
  std::string near = PreferredRaylet(*spec);
  if (near == d_.local_raylet_address) near.clear();
  // Tasks wanting different nodes do not share leases.
  std::string key = SchedulingKey(*spec) + (near.empty() ? "" : "|near=" + near);
  KeyState& state = keys_[key];
  state.lease_raylet = near;
  state.one_task_per_lease = spec->scheduling_strategy().kind() == rpc::SchedulingStrategy::SPREAD;
  state.queue.push_back(std::move(spec));
  UseIdleLeases(key);
  RequestLeasesIfNeeded(key);
}

void NormalTaskSubmitter::UseIdleLeases(const std::string& key) {
  auto& state = keys_[key];
  while (!state.queue.empty() && !state.idle_leases.empty()) {
    std::string lease_id = std::move(state.idle_leases.front());
    state.idle_leases.pop_front();
    auto it = leases_.find(lease_id);
    if (it == leases_.end()) continue;
    it->second.idle_since = 0;
    PushNextOrReturn(lease_id);
  }
}

void NormalTaskSubmitter::KeepIdle(const std::string& lease_id) {
  Lease& lease = leases_[lease_id];
  uint64_t period = next_idle_period_++;
  lease.idle_since = period;
  keys_[lease.key].idle_leases.push_back(lease_id);
  d_.loop->PostDelayed([this, lease_id, period]() {
    auto it = leases_.find(lease_id);
    if (it == leases_.end() || it->second.idle_since != period) return;  // in use again
    auto& idle = keys_[it->second.key].idle_leases;
    idle.erase(std::remove(idle.begin(), idle.end(), lease_id), idle.end());
    ReturnLease(lease_id, false);
  }, kIdleLeaseMs);
}

void NormalTaskSubmitter::RequestLeasesIfNeeded(const std::string& key) {
  auto& state = keys_[key];
  while (state.pending_lease_requests < kMaxPendingLeaseRequestsPerKey &&
         state.pending_lease_requests < static_cast<int>(state.queue.size())) {
    RequestLease(key, state.lease_raylet.empty() ? d_.local_raylet_address : state.lease_raylet,
                 false);
  }
}

void NormalTaskSubmitter::RequestLease(const std::string& key, const std::string& raylet_address,
                                       bool grant_or_reject) {
  auto& state = keys_[key];
  if (state.queue.empty()) return;
  state.pending_lease_requests++;
  const rpc::TaskSpec& head = *state.queue.front();
  rpc::RequestWorkerLeaseRequest request;
  request.set_job_id(head.job_id());
  request.set_language(head.language());
  *request.mutable_resources() = head.resources();
  request.set_task_id(head.task_id());
  request.set_grant_or_reject(grant_or_reject);
  *request.mutable_scheduling_strategy() = head.scheduling_strategy();
  *request.mutable_lessee() = *d_.self;
  request.set_runtime_env_json(head.runtime_env_json());
  request.set_runtime_env_hash(head.runtime_env_hash());
  d_.leases->RequestWorkerLease(raylet_address, std::move(request),
      [this, key, raylet_address](Status status, rpc::RequestWorkerLeaseReply&& reply) {
        d_.loop->Post([this, key, raylet_address, status, reply = std::move(reply)]() mutable {
          OnLeaseReply(key, raylet_address, status, std::move(reply));
        });
      });
}

void NormalTaskSubmitter::OnLeaseReply(const std::string& key, const std::string& raylet_address,
                                       Status status, rpc::RequestWorkerLeaseReply reply) {
  auto& state = keys_[key];
  state.pending_lease_requests--;
  if (!status.ok()) {
    COLONY_LOG(WARNING) << "worker lease request to raylet " << raylet_address
                        << " failed: " << status.ToString() << "; retrying";
    // The node holding the arguments is unreachable: locality is not worth waiting for.
    if (raylet_address == state.lease_raylet) state.lease_raylet.clear();
    RetryLeaseLater(key);
    return;
  }
  if (reply.infeasible()) {
    if (!state.warned_infeasible && !state.queue.empty()) {
      state.warned_infeasible = true;
      COLONY_LOG(WARNING) << "Task " << state.queue.front()->name()
                          << " cannot run on any node in the cluster ("
                          << reply.failure_message()
                          << "); it stays pending until a node that can run it joins.";
    }
    RetryLeaseLater(key);
    return;
  }
  if (!reply.failure_message().empty()) {
    // The tasks can never run (their strategy cannot be met, or the raylet cannot serve
    // this kind of task at all): fail the queued ones clearly.
    rpc::ErrorType type = reply.unschedulable()              ? rpc::TASK_UNSCHEDULABLE
                          : reply.runtime_env_setup_failed() ? rpc::RUNTIME_ENV_SETUP_FAILED
                                                             : rpc::WORKER_DIED;
    while (!state.queue.empty()) {
      TaskID id = TaskID::FromBinary(state.queue.front()->task_id());
      state.queue.pop_front();
      d_.tasks->FailTask(id, type, reply.failure_message());
    }
    return;
  }
  if (reply.canceled()) return;
  if (reply.has_retry_at_raylet() && reply.worker_address().port() == 0) {
    RequestLease(key, rpc::AddressToString(reply.retry_at_raylet()), true);
    return;
  }
  state.warned_infeasible = false;
  Lease lease;
  lease.lease_id = reply.lease_id();
  lease.key = key;
  lease.raylet_address = raylet_address;
  lease.worker = reply.worker_address();
  leases_[lease.lease_id] = lease;
  PushNextOrReturn(lease.lease_id);
}

void NormalTaskSubmitter::RetryLeaseLater(const std::string& key) {
  d_.loop->PostDelayed([this, key]() { RequestLeasesIfNeeded(key); }, kInfeasibleRetryMs);
}

void NormalTaskSubmitter::PushNextOrReturn(const std::string& lease_id) {
  Lease& lease = leases_[lease_id];
  auto& state = keys_[lease.key];
  if (state.one_task_per_lease && !lease.running.IsNil()) {
    ReturnLease(lease_id, false);
    return;
  }
  if (state.queue.empty()) {
    if (state.one_task_per_lease) {
      ReturnLease(lease_id, false);
    } else {
      KeepIdle(lease_id);
    }
    return;
  }
  rpc::PushTaskRequest request;
  *request.mutable_task() = *state.queue.front();
  state.queue.pop_front();
  request.set_intended_worker_id(lease.worker.worker_id());
  TaskID task_id = TaskID::FromBinary(request.task().task_id());
  lease.running = task_id;
  running_on_[task_id] = lease_id;
  d_.tasks->MarkPushed(task_id, lease.worker);
  d_.transport->Push(lease.worker, std::move(request),
      [this, lease_id, task_id](Status status, rpc::PushTaskReply&& reply) {
        d_.loop->Post([this, lease_id, task_id, status, reply = std::move(reply)]() mutable {
          OnPushReply(lease_id, task_id, status, std::move(reply));
        });
      });
}

void NormalTaskSubmitter::OnPushReply(const std::string& lease_id, const TaskID& task_id,
                                      Status status, rpc::PushTaskReply reply) {
  running_on_.erase(task_id);
  if (!status.ok()) {
    std::string worker = rpc::AddressToString(leases_[lease_id].worker);
    std::string raylet = leases_[lease_id].raylet_address;
    std::string worker_id = leases_[lease_id].worker.worker_id();
    ReturnLease(lease_id, true);
    std::string message = "the worker at " + worker + " running the task died or was "
                          "unreachable (" + status.ToString() + ")";
    // Its raylet knows whether the kernel killed it over its memory limit.
    d_.leases->GetWorkerFailureCause(
        raylet, worker_id,
        [this, task_id, message](Status cause_status, rpc::GetWorkerFailureCauseReply&& cause) {
          bool oom = cause_status.ok() && cause.found() && cause.out_of_memory();
          std::string why = oom ? cause.reason() : message;
          d_.loop->Post([this, task_id, oom, why] {
            d_.tasks->FailOrRetryTask(task_id, oom ? rpc::OUT_OF_MEMORY : rpc::WORKER_DIED, why);
          });
        });
    return;
  }
  d_.tasks->CompleteTask(task_id, reply);
  if (reply.worker_exiting()) {
    ReturnLease(lease_id, true);
  } else {
    PushNextOrReturn(lease_id);
  }
}

void NormalTaskSubmitter::ReturnLease(const std::string& lease_id, bool disconnect) {
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return;
  std::string key = it->second.key;
  d_.leases->ReturnWorker(it->second.raylet_address, lease_id, disconnect);
  leases_.erase(it);
  // Tasks may have queued up while this lease was busy failing.
  RequestLeasesIfNeeded(key);
}

void NormalTaskSubmitter::ReturnIdleLeasesAt(const std::string& raylet_address) {
  d_.loop->Post([this, raylet_address]() {
    for (auto& [key, state] : keys_) {
      std::deque<std::string> kept;
      for (auto& lease_id : state.idle_leases) {
        auto it = leases_.find(lease_id);
        if (it == leases_.end()) continue;
        if (it->second.raylet_address == raylet_address) {
          ReturnLease(lease_id, false);
        } else {
          kept.push_back(std::move(lease_id));
        }
      }
      state.idle_leases = std::move(kept);
    }
  });
}

void NormalTaskSubmitter::Cancel(const TaskID& task_id, bool force, bool recursive) {
  d_.loop->Post([this, task_id, force, recursive]() {
    if (resolving_.count(task_id)) {
      cancelled_while_resolving_.insert(task_id);
      d_.tasks->FailTask(task_id, rpc::TASK_CANCELLED, "task was cancelled");
      return;
    }
    for (auto& [key, state] : keys_) {
      for (auto it = state.queue.begin(); it != state.queue.end(); ++it) {
        if ((*it)->task_id() != task_id.Binary()) continue;
        std::string name = (*it)->name();
        state.queue.erase(it);
        d_.tasks->FailTask(task_id, rpc::TASK_CANCELLED, "task " + name + " was cancelled");
        return;
      }
    }
    auto running = running_on_.find(task_id);
    if (running == running_on_.end()) return;
    d_.tasks->MarkCancelled(task_id);
    d_.transport->Cancel(leases_[running->second].worker, task_id, force, recursive);
  });
}

}  // namespace colony
