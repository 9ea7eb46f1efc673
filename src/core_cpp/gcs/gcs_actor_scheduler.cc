#include "gcs/gcs_actor_scheduler.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "common/logging.h"
#include "common/virtual_cluster.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {
namespace {

rpc::Address RayletAddress(const rpc::NodeInfo& node) {
  rpc::Address address;
  address.set_node_id(node.node_id());
  address.set_ip(node.ip());
  address.set_port(node.raylet_port());
  return address;
}

std::string Describe(const ActorID& actor_id, const rpc::TaskSpec& task) {
  std::string name = task.actor_creation().class_name();
  return "actor " + actor_id.Hex() + (name.empty() ? "" : " (" + name + ")");
}

}  // namespace

GcsActorScheduler::GcsActorScheduler(EventLoop* loop, NodeLister nodes, ActorLeaseClient* leases,
                                     ActorTaskPusher* pusher, GcsActorSchedulerOptions options)
    : loop_(loop),
      nodes_(std::move(nodes)),
      leases_(leases),
      pusher_(pusher),
      options_(options),
      policy_(SchedulingPolicyOptions{options.spread_threshold, options.scarce_resources,
                                      options.real_usage, options.memory_pressure_threshold}) {}

void GcsActorScheduler::Start() {
  loop_->PostPeriodic([this] { RetryWaiting(); }, options_.retry_period_ms);
}

void GcsActorScheduler::Schedule(const rpc::ActorTableData& actor) {
  ActorID actor_id = ActorID::FromBinary(actor.actor_id());
  Cancel(actor_id);
  Attempt attempt;
  attempt.id = next_attempt_id_++;
  attempt.creation_task = actor.creation_task();
  attempt.creation_task.set_attempt_number(actor.num_restarts());
  attempt.detached = actor.detached();
  attempt.owner_node = NodeID::FromBinary(actor.owner_address().node_id());
  attempts_[actor_id] = std::move(attempt);
  TryPlace(actor_id);
}

void GcsActorScheduler::Cancel(const ActorID& actor_id) {
  auto it = attempts_.find(actor_id);
  if (it == attempts_.end()) return;
  Attempt attempt = std::move(it->second);
  attempts_.erase(it);
  // A lease request still in flight is answered later; OnLeaseReply then returns the
  // lease unused.
  if (attempt.phase == Phase::kPushing || attempt.phase == Phase::kPushFailed) {
    ReturnLease(attempt.lease, /*disconnect_worker=*/true);
  }
}

void GcsActorScheduler::ReturnLease(const ActorLease& lease, bool disconnect_worker) {
  leases_->ReturnWorker(lease.raylet, lease.lease_id, disconnect_worker);
}

void GcsActorScheduler::TryPlace(const ActorID& actor_id) {
  Attempt& attempt = attempts_.at(actor_id);
  ResourceSet request = rpc::ResourcesFromProto(attempt.creation_task.resources());
  SchedulingDecision decision =
      PickNode(request, attempt.owner_node, attempt.creation_task.scheduling_strategy(),
               JobID::FromBinary(attempt.creation_task.job_id()));
  if (decision.kind == SchedulingDecision::Kind::kUnschedulable) {
    attempts_.erase(actor_id);
    if (listener_ != nullptr) listener_->OnActorUnschedulable(actor_id, decision.message);
    return;
  }
  std::optional<rpc::Address> raylet =
      decision.kind == SchedulingDecision::Kind::kNode ? RayletOf(decision.node_id) : std::nullopt;
  if (!raylet) {
    Wait(actor_id, attempt, !decision.message.empty()
                                ? decision.message
                                : "no alive node has " + request.ToString() + " in total");
    return;
  }
  in_flight_[decision.node_id] += request;
  // The GCS already chose: the raylet runs it or rejects it, it does not spill again.
  RequestLease(actor_id, attempt, *raylet, /*grant_or_reject=*/true);
}

void GcsActorScheduler::RequestLease(const ActorID& actor_id, Attempt& attempt,
                                     const rpc::Address& raylet, bool grant_or_reject) {
  attempt.phase = Phase::kLeasing;
  attempt.raylet = raylet;
  const rpc::TaskSpec& task = attempt.creation_task;
  rpc::RequestWorkerLeaseRequest request;
  request.set_job_id(task.job_id());
  request.set_language(task.language());
  *request.mutable_jvm_options() = task.actor_creation().jvm_options();
  *request.mutable_resources() = task.resources();
  request.set_task_id(task.task_id());
  request.set_grant_or_reject(grant_or_reject);
  request.set_detached_actor(attempt.detached);
  request.set_runtime_env_json(task.runtime_env_json());
  request.set_runtime_env_hash(task.runtime_env_hash());
  uint64_t attempt_id = attempt.id;
  // The callback may run before this returns (test doubles): `attempt` is not used after.
  leases_->RequestWorkerLease(
      raylet, request,
      [this, actor_id, attempt_id, raylet](Status status,
                                           const rpc::RequestWorkerLeaseReply& reply) {
        if (Find(actor_id, attempt_id) == nullptr) {
          // The attempt was dropped while the request waited: give a granted worker back.
          if (status.ok() && !reply.lease_id().empty()) {
            leases_->ReturnWorker(raylet, reply.lease_id(), /*disconnect_worker=*/false);
          }
          return;
        }
        OnLeaseReply(actor_id, attempt_id, status, reply);
      });
}

void GcsActorScheduler::OnLeaseReply(const ActorID& actor_id, uint64_t attempt_id,
                                     const Status& status,
                                     const rpc::RequestWorkerLeaseReply& reply) {
  Attempt* attempt = Find(actor_id, attempt_id);
  std::string raylet = rpc::AddressToString(attempt->raylet);
  if (!status.ok()) {
    Wait(actor_id, *attempt, "the raylet at " + raylet + " did not answer: " + status.ToString());
    return;
  }
  if (reply.canceled()) {
    Wait(actor_id, *attempt, "the raylet at " + raylet + " canceled the lease request" +
                                 (reply.failure_message().empty()
                                      ? std::string()
                                      : ": " + reply.failure_message()));
    return;
  }
  if (reply.infeasible()) {
    Wait(actor_id, *attempt, reply.failure_message());
    return;
  }
  bool granted = !reply.lease_id().empty() && reply.worker_address().port() != 0;
  if (!granted && reply.has_retry_at_raylet()) {
    const rpc::Address& spill = reply.retry_at_raylet();
    in_flight_[NodeID::FromBinary(spill.node_id())] +=
        rpc::ResourcesFromProto(attempt->creation_task.resources());
    RequestLease(actor_id, *attempt, spill, /*grant_or_reject=*/true);
    return;
  }
  if (!granted) {
    std::string why = reply.failure_message().empty() ? "the raylet granted no worker"
                                                      : reply.failure_message();
    // The message starts with the error's name: the actor's callers see it in ActorDiedError.
    FailAttempt(actor_id, reply.runtime_env_setup_failed()
                              ? "RuntimeEnvSetupError: the actor's runtime env could not be "
                                "set up on " + raylet + ": " + why
                              : "the actor's worker could not be started on " + raylet + ": " +
                                    why);
    return;
  }
  ActorLease& lease = attempt->lease;
  lease.raylet = attempt->raylet;
  lease.lease_id = reply.lease_id();
  lease.worker_address = reply.worker_address();
  if (lease.worker_address.node_id().empty()) {
    lease.worker_address.set_node_id(attempt->raylet.node_id());
  }
  lease.worker_pid = reply.worker_pid();
  Push(actor_id, *attempt);
}

void GcsActorScheduler::Push(const ActorID& actor_id, Attempt& attempt) {
  attempt.phase = Phase::kPushing;
  rpc::PushTaskRequest request;
  *request.mutable_task() = attempt.creation_task;
  request.set_intended_worker_id(attempt.lease.worker_address.worker_id());
  COLONY_LOG(DEBUG) << "pushing the creation task of " << Describe(actor_id, attempt.creation_task)
                    << " to worker " << attempt.lease.worker_id().Hex() << " at "
                    << rpc::AddressToString(attempt.lease.worker_address);
  uint64_t attempt_id = attempt.id;
  pusher_->PushTask(attempt.lease.worker_address, request,
                    [this, actor_id, attempt_id](Status status, const rpc::PushTaskReply& reply) {
                      OnPushReply(actor_id, attempt_id, status, reply);
                    });
}

void GcsActorScheduler::OnPushReply(const ActorID& actor_id, uint64_t attempt_id,
                                    const Status& status, const rpc::PushTaskReply& reply) {
  Attempt* attempt = Find(actor_id, attempt_id);
  if (attempt == nullptr) return;  // dropped; Cancel returned its lease
  if (!status.ok()) {
    // The worker most likely died; the raylet's report says why. Wait for it a little,
    // then fail with what the RPC said.
    attempt->phase = Phase::kPushFailed;
    std::string message = "the actor's worker process died: the creation task failed (" +
                          status.ToString() + ")";
    loop_->PostDelayed(
        [this, actor_id, attempt_id, message] {
          Attempt* still = Find(actor_id, attempt_id);
          if (still == nullptr) return;
          ReturnLease(still->lease, /*disconnect_worker=*/true);
          FailAttempt(actor_id, message);
        },
        options_.push_failure_grace_ms);
    return;
  }
  ActorLease lease = attempt->lease;
  attempts_.erase(actor_id);
  if (listener_ != nullptr) listener_->OnActorCreationReplied(actor_id, lease, reply);
}

void GcsActorScheduler::Wait(const ActorID& actor_id, Attempt& attempt, const std::string& why) {
  attempt.phase = Phase::kWaiting;
  if (!attempt.warned) {
    attempt.warned = true;
    COLONY_LOG(WARNING) << Describe(actor_id, attempt.creation_task)
                        << " cannot be placed yet: " << why << "; retrying every "
                        << options_.retry_period_ms << " ms and when nodes change";
  }
}

void GcsActorScheduler::RetryWaiting() {
  std::vector<ActorID> waiting;
  for (const auto& [actor_id, attempt] : attempts_) {
    if (attempt.phase == Phase::kWaiting) waiting.push_back(actor_id);
  }
  // Each placement may end attempts (test doubles answer at once): look them up afresh.
  for (const ActorID& actor_id : waiting) {
    auto it = attempts_.find(actor_id);
    if (it != attempts_.end() && it->second.phase == Phase::kWaiting) TryPlace(actor_id);
  }
}

void GcsActorScheduler::OnNodeAdded() { RetryWaiting(); }

std::vector<ActorID> GcsActorScheduler::OnNodeDead(const NodeID& node_id) {
  in_flight_.erase(node_id);
  std::vector<ActorID> lost, asked;
  for (const auto& [actor_id, attempt] : attempts_) {
    if (attempt.phase == Phase::kLeasing && attempt.raylet.node_id() == node_id.Binary()) {
      asked.push_back(actor_id);
    } else if ((attempt.phase == Phase::kPushing || attempt.phase == Phase::kPushFailed) &&
               attempt.lease.raylet.node_id() == node_id.Binary()) {
      lost.push_back(actor_id);
    }
  }
  // The dead raylet's lease ends with it: nothing to return.
  for (const ActorID& actor_id : lost) attempts_.erase(actor_id);
  for (const ActorID& actor_id : asked) {
    auto it = attempts_.find(actor_id);
    if (it == attempts_.end()) continue;
    it->second.id = next_attempt_id_++;  // the dead raylet's late answer is ignored
    it->second.phase = Phase::kWaiting;
    TryPlace(actor_id);
  }
  return lost;
}

std::optional<ActorID> GcsActorScheduler::ActorCreatingOn(const WorkerID& worker_id) const {
  for (const auto& [actor_id, attempt] : attempts_) {
    if ((attempt.phase == Phase::kPushing || attempt.phase == Phase::kPushFailed) &&
        attempt.lease.worker_id() == worker_id) {
      return actor_id;
    }
  }
  return std::nullopt;
}

std::optional<rpc::Address> GcsActorScheduler::RayletOf(const NodeID& node_id) const {
  for (const rpc::NodeInfo& node : nodes_()) {
    if (node.alive() && node.node_id() == node_id.Binary()) return RayletAddress(node);
  }
  return std::nullopt;
}

SchedulingDecision GcsActorScheduler::PickNode(const ResourceSet& request,
                                              const NodeID& owner_node,
                                              const rpc::SchedulingStrategy& strategy,
                                              const JobID& job_id) {
  std::vector<NodeLoad> loads;
  for (const rpc::NodeInfo& node : nodes_()) {
    NodeID id = NodeID::FromBinary(node.node_id());
    ResourceSet available = rpc::ResourcesFromProto(node.resources_available());
    auto taken = in_flight_.find(id);
    if (taken != in_flight_.end()) available -= taken->second;
    loads.push_back(NodeLoad{id, rpc::ResourcesFromProto(node.resources_total()), available,
                             node.alive(), NodeLabels(node.labels().begin(), node.labels().end()),
                             node.usage().cpu(), node.usage().memory_pressure()});
  }
  std::string cluster = job_virtual_cluster_ ? job_virtual_cluster_(job_id) : "";
  return PickInVirtualCluster(&policy_, loads, cluster, /*for_actor=*/true, owner_node, request,
                              strategy, std::nullopt);
}

size_t GcsActorScheduler::num_waiting() const {
  size_t n = 0;
  for (const auto& [actor_id, attempt] : attempts_) n += attempt.phase == Phase::kWaiting;
  return n;
}

void GcsActorScheduler::FailAttempt(const ActorID& actor_id, const std::string& message) {
  attempts_.erase(actor_id);
  if (listener_ != nullptr) listener_->OnActorWorkerFailed(actor_id, message);
}

GcsActorScheduler::Attempt* GcsActorScheduler::Find(const ActorID& actor_id,
                                                    uint64_t attempt_id) {
  auto it = attempts_.find(actor_id);
  if (it == attempts_.end() || it->second.id != attempt_id) return nullptr;
  return &it->second;
}

}  // namespace colony::gcs
