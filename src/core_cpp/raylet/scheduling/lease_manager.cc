#include "raylet/scheduling/lease_manager.h"

#include <utility>
#include <vector>

#include "common/logging.h"
#include "common/virtual_cluster.h"

namespace colony::raylet {
namespace {

rpc::RequestWorkerLeaseReply CanceledReply(const std::string& message) {
  rpc::RequestWorkerLeaseReply reply;
  reply.set_canceled(true);
  reply.set_failure_message(message);
  return reply;
}

ResourceSet CpuOf(const ResourceSet& resources) {
  ResourceSet cpu;
  cpu.Set("CPU", resources.Get("CPU"));
  return cpu;
}

}  // namespace

LeaseManager::LeaseManager(NodeID self, ResourceSet total, ClusterView* cluster,
                           WorkerSource* workers, SchedulingPolicyOptions policy)
    : self_(self),
      total_(total),
      available_(std::move(total)),
      cluster_(cluster),
      policy_(policy),
      workers_(workers) {}

void LeaseManager::RequestLease(LeaseRequest request, LeaseReplyCallback reply) {
  // A request spilled here must not bounce again: it runs here if it ever can.
  if (request.grant_or_reject) {
    if (!total_.Contains(request.resources)) return ReplyInfeasible(request, reply);
  } else {
    SchedulingDecision decision = Decide(request);
    if (decision.kind == SchedulingDecision::Kind::kUnschedulable) {
      rpc::RequestWorkerLeaseReply out;
      out.set_unschedulable(true);
      out.set_failure_message(decision.message);
      return reply(out);
    }
    if (decision.kind == SchedulingDecision::Kind::kInfeasible) {
      return ReplyInfeasible(request, reply, decision.message);
    }
    if (decision.node_id != self_) return Spill(request, decision.node_id, reply);
  }
  queue_.push_back(Pending{next_seq_++, std::move(request), std::move(reply)});
  Dispatch();
}

SchedulingDecision LeaseManager::Decide(const LeaseRequest& request) {
  std::vector<NodeLoad> nodes = cluster_->Loads();
  nodes.push_back(NodeLoad{self_, total_, available_, true, labels_});
  if (self_usage_) {
    rpc::ResourceUsage usage = self_usage_();
    nodes.back().real_cpu = usage.cpu();
    nodes.back().memory_pressure = usage.memory_pressure();
  }
  if (request.strategy.kind() == rpc::SchedulingStrategy::SPREAD) {
    // SPREAD takes turns over every node whose totals fit, busy or not. What this raylet
    // knows of the others' free resources is up to a second old (and counts what it spilled
    // since), and its own are often held for a moment by leases about to go back: longer
    // than the short tasks SPREAD is mostly used for, so judging by them kept idle nodes out
    // of the turns. A request that finds its node busy queues there; SpillQueued moves the
    // ones queued here to a node with room.
    for (NodeLoad& node : nodes) node.available = node.total;
  }
  std::optional<double> threshold;
  if (job_spread_threshold_) threshold = job_spread_threshold_(request.job_id);
  // The GCS labels this node with its virtual cluster; the raylet learns it from the GCS
  // like any node's, so this node's own label comes from the cluster view.
  if (auto me = cluster_->GetNode(self_)) {
    auto label = me->labels.find(kVirtualClusterLabel);
    if (label != me->labels.end()) nodes.back().labels[kVirtualClusterLabel] = label->second;
  }
  std::string cluster = job_virtual_cluster_ ? job_virtual_cluster_(request.job_id) : "";
  return PickInVirtualCluster(&policy_, nodes, cluster, /*for_actor=*/false, self_,
                              request.resources, request.strategy, threshold);
}

void LeaseManager::Spill(const LeaseRequest& request, const NodeID& node_id,
                         const LeaseReplyCallback& reply) {
  auto node = cluster_->GetNode(node_id);
  rpc::RequestWorkerLeaseReply out;
  rpc::Address* to = out.mutable_retry_at_raylet();
  to->set_node_id(node_id.Binary());
  to->set_ip(node->ip);
  to->set_port(node->port);
  cluster_->Reserve(node_id, request.resources);
  reply(out);
}

void LeaseManager::SpillQueued() {
  for (auto it = queue_.begin(); it != queue_.end();) {
    const LeaseRequest& request = it->request;
    if (request.grant_or_reject || available_.Contains(request.resources)) {
      ++it;
      continue;
    }
    SchedulingDecision decision = Decide(request);
    auto node = decision.kind == SchedulingDecision::Kind::kNode && decision.node_id != self_
                    ? cluster_->GetNode(decision.node_id)
                    : std::nullopt;
    // Only to a node with room now: moving between two full nodes gains nothing.
    if (!node || !node->available.Contains(request.resources)) {
      ++it;
      continue;
    }
    Pending pending = std::move(*it);
    it = queue_.erase(it);
    Spill(pending.request, decision.node_id, pending.reply);
  }
}

void LeaseManager::ReplyInfeasible(const LeaseRequest& request, const LeaseReplyCallback& reply,
                                   const std::string& why) {
  rpc::RequestWorkerLeaseReply out;
  out.set_infeasible(true);
  if (!why.empty()) {
    out.set_failure_message(why);
    return reply(out);
  }
  out.set_failure_message("request " + request.resources.ToString() +
                          " is infeasible: on this node " +
                          total_.DescribeShortfall(request.resources) +
                          (request.grant_or_reject ? "" : "; no other alive node has enough in total"));
  reply(out);
}

void LeaseManager::Dispatch() {
  // Granting can call back into this object (a worker pop that fails at once); the outer
  // call then re-scans instead of nesting.
  if (dispatching_) {
    dispatch_again_ = true;
    return;
  }
  dispatching_ = true;
  do {
    dispatch_again_ = false;
    for (auto it = queue_.begin(); it != queue_.end();) {
      if (!available_.Contains(it->request.resources)) {
        ++it;
        continue;
      }
      Pending pending = std::move(*it);
      it = queue_.erase(it);
      Grant(std::move(pending));
    }
  } while (dispatch_again_);
  dispatching_ = false;
}

void LeaseManager::Grant(Pending pending) {
  Take(pending.request.resources);
  uint64_t seq = pending.seq;
  WorkerRequest request{pending.request.language, pending.request.job_id,
                        pending.request.jvm_options, pending.request.runtime_env_json,
                        pending.request.runtime_env_hash};
  request.resources = pending.request.resources;
  waiting_for_worker_.emplace(seq, std::move(pending));
  workers_->PopWorker(request, [this, seq](StatusOr<LeasedWorker> worker) {
    OnWorkerPopped(seq, std::move(worker));
  });
}

void LeaseManager::OnWorkerPopped(uint64_t seq, StatusOr<LeasedWorker> worker) {
  auto it = waiting_for_worker_.find(seq);
  if (it == waiting_for_worker_.end()) {
    // Canceled while the worker started: keep the worker for the next lease.
    if (worker.ok()) workers_->PushWorker(worker->worker_id);
    return;
  }
  Pending pending = std::move(it->second);
  waiting_for_worker_.erase(it);
  rpc::RequestWorkerLeaseReply reply;
  if (!worker.ok()) {
    Give(pending.request.resources);
    reply.set_failure_message(worker.status().message());
    reply.set_runtime_env_setup_failed(worker.status().code() ==
                                       StatusCode::kRuntimeEnvSetupFailed);
    pending.reply(reply);
    Dispatch();
    return;
  }
  LeaseID lease_id = LeaseID::FromRandom();
  leases_[lease_id] = Lease{worker->worker_id, pending.request.resources, ResourceSet(),
                           pending.request.detached_actor, pending.request.lessee};
  lease_of_worker_[worker->worker_id] = lease_id;
  reply.set_lease_id(lease_id.Binary());
  *reply.mutable_worker_address() = worker->address;
  reply.set_worker_pid(worker->pid);
  pending.reply(reply);
}

bool LeaseManager::ReturnLease(const LeaseID& lease_id, bool disconnect_worker) {
  auto it = leases_.find(lease_id);
  if (it == leases_.end()) return false;
  WorkerID worker_id = it->second.worker_id;
  EndLease(lease_id);
  if (disconnect_worker) {
    workers_->DisconnectWorker(worker_id);
  } else {
    workers_->PushWorker(worker_id);
  }
  Dispatch();
  return true;
}

void LeaseManager::EndLease(LeaseID lease_id) {
  auto it = leases_.find(lease_id);
  Give(it->second.held);
  lease_of_worker_.erase(it->second.worker_id);
  leases_.erase(it);
}

bool LeaseManager::CancelLease(const std::string& task_id) {
  if (task_id.empty()) return false;
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->request.task_id != task_id) continue;
    LeaseReplyCallback reply = std::move(it->reply);
    queue_.erase(it);
    reply(CanceledReply(""));
    return true;
  }
  for (auto it = waiting_for_worker_.begin(); it != waiting_for_worker_.end(); ++it) {
    if (it->second.request.task_id != task_id) continue;
    Pending pending = std::move(it->second);
    waiting_for_worker_.erase(it);
    Give(pending.request.resources);
    pending.reply(CanceledReply(""));
    Dispatch();
    return true;
  }
  return false;
}

void LeaseManager::SetWorkerBlocked(const WorkerID& worker_id, bool blocked) {
  auto found = lease_of_worker_.find(worker_id);
  if (found == lease_of_worker_.end()) return;  // a driver, or a lease already ended
  Lease& lease = leases_[found->second];
  if (blocked && lease.lent.Empty()) {
    lease.lent = CpuOf(lease.held);
    if (lease.lent.Empty()) return;
    lease.held -= lease.lent;
    Give(lease.lent);
    Dispatch();
  } else if (!blocked && !lease.lent.Empty()) {
    lease.held += lease.lent;
    Take(lease.lent);
    lease.lent = ResourceSet();
  }
}

void LeaseManager::OnWorkerDied(const WorkerID& worker_id) {
  auto found = lease_of_worker_.find(worker_id);
  if (found == lease_of_worker_.end()) return;
  COLONY_LOG(INFO) << "lease " << found->second.Hex() << " ended: worker " << worker_id.Hex()
                   << " died";
  EndLease(found->second);
  Dispatch();
}

void LeaseManager::OnLesseeDied(const WorkerID& lessee) {
  std::vector<LeaseID> orphaned;
  for (const auto& [lease_id, lease] : leases_) {
    if (lease.lessee == lessee) orphaned.push_back(lease_id);
  }
  for (const LeaseID& lease_id : orphaned) {
    COLONY_LOG(INFO) << "lease " << lease_id.Hex() << " ended: its holder " << lessee.Hex()
                     << " exited";
    ReturnLease(lease_id, true);
  }
}

void LeaseManager::CancelPending(const JobID& job_id, const std::string& message) {
  auto matches = [&](const Pending& p) { return job_id.IsNil() || p.request.job_id == job_id; };
  std::vector<LeaseReplyCallback> replies;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (!matches(*it)) {
      ++it;
      continue;
    }
    replies.push_back(std::move(it->reply));
    it = queue_.erase(it);
  }
  for (auto it = waiting_for_worker_.begin(); it != waiting_for_worker_.end();) {
    if (!matches(it->second)) {
      ++it;
      continue;
    }
    Give(it->second.request.resources);
    replies.push_back(std::move(it->second.reply));
    it = waiting_for_worker_.erase(it);
  }
  for (auto& reply : replies) reply(CanceledReply(message));
  if (!replies.empty()) Dispatch();
}

std::unordered_set<WorkerID> LeaseManager::WorkersOfDetachedActors() const {
  std::unordered_set<WorkerID> workers;
  for (const auto& [lease_id, lease] : leases_) {
    if (lease.detached_actor) workers.insert(lease.worker_id);
  }
  return workers;
}

bool LeaseManager::Reserve(const ResourceSet& resources) {
  if (!available_.Contains(resources)) return false;
  Take(resources);
  return true;
}

void LeaseManager::Unreserve(const ResourceSet& resources) {
  Give(resources);
  Dispatch();
}

void LeaseManager::AddCapacity(const ResourceSet& resources) {
  total_ += resources;
  Give(resources);
  Dispatch();
}

void LeaseManager::RemoveCapacity(const ResourceSet& resources, const std::string& why) {
  total_ -= resources;
  available_ -= resources;
  // A name left with no total is gone from this node (a bundle's own resources; the
  // group's wildcard once its last bundle here goes): its users cannot keep it.
  auto uses_gone = [&](const ResourceSet& held) {
    for (const auto& [name, amount] : held.ToMap()) {
      if (amount > 0 && resources.GetUnits(name) != 0 && total_.GetUnits(name) <= 0) return true;
    }
    return false;
  };
  std::vector<LeaseID> ended;
  for (const auto& [lease_id, lease] : leases_) {
    if (uses_gone(lease.held) || uses_gone(lease.lent)) ended.push_back(lease_id);
  }
  for (const LeaseID& lease_id : ended) {
    COLONY_LOG(INFO) << "lease " << lease_id.Hex() << " ended: " << why;
    ReturnLease(lease_id, /*disconnect_worker=*/true);
  }
  std::vector<LeaseReplyCallback> failed;
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (!uses_gone(it->request.resources)) {
      ++it;
      continue;
    }
    failed.push_back(std::move(it->reply));
    it = queue_.erase(it);
  }
  for (auto it = waiting_for_worker_.begin(); it != waiting_for_worker_.end();) {
    if (!uses_gone(it->second.request.resources)) {
      ++it;
      continue;
    }
    Give(it->second.request.resources);
    failed.push_back(std::move(it->second.reply));
    it = waiting_for_worker_.erase(it);
  }
  // The resources held by the ended leases came back above; drop what remains of the
  // gone names (zero unless over-committed).
  for (const auto& [name, amount] : resources.ToMap()) {
    if (total_.GetUnits(name) <= 0 && available_.GetUnits(name) != 0) {
      available_.Set(name, 0);
    }
  }
  if (on_resources_changed_) on_resources_changed_();
  for (auto& reply : failed) {
    rpc::RequestWorkerLeaseReply out;
    out.set_unschedulable(true);
    out.set_failure_message(why);
    reply(out);
  }
  Dispatch();
}

void LeaseManager::Give(const ResourceSet& resources) {
  if (resources.Empty()) return;
  available_ += resources;
  if (on_resources_changed_) on_resources_changed_();
}

void LeaseManager::Take(const ResourceSet& resources) {
  if (resources.Empty()) return;
  available_ -= resources;
  if (on_resources_changed_) on_resources_changed_();
}

}  // namespace colony::raylet
