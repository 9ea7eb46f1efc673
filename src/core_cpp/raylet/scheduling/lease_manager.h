// Grants worker leases against this node's resources. The scheduling policy picks the
// node for each request (common/scheduling_policy.h): requests for this node that do not
// fit what is free now wait in a queue; others are spilled back to the node picked, or
// declared infeasible or unschedulable. Runs on the raylet's event loop; no locks.
#pragma once

#include <cstdint>
#include <functional>
#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "common.pb.h"
#include "common/id.h"
#include "common/resources.h"
#include "raylet.pb.h"
#include "raylet/scheduling/cluster_view.h"
#include "raylet/scheduling/worker_source.h"

namespace colony::raylet {

struct LeaseRequest {
  JobID job_id;
  rpc::Language language = rpc::PYTHON;
  ResourceSet resources;
  std::string task_id;  // raw bytes, the key for CancelLease
  bool grant_or_reject = false;
  bool detached_actor = false;  // its worker outlives the job (see WorkersOfDetachedActors)
  std::vector<std::string> jvm_options;
  rpc::SchedulingStrategy strategy;
  WorkerID lessee;  // the core worker that will push tasks to the lease; nil for the GCS
  std::string runtime_env_json;  // the lease's runtime env (WorkerRequest)
  std::string runtime_env_hash;
};

// Receives the one reply a lease request gets (granted, spilled, infeasible, canceled or
// failed).
using LeaseReplyCallback = std::function<void(const rpc::RequestWorkerLeaseReply&)>;

class LeaseManager {
 public:
  // `cluster` and `workers` must outlive this object.
  LeaseManager(NodeID self, ResourceSet total, ClusterView* cluster, WorkerSource* workers,
               SchedulingPolicyOptions policy = {});

  // Runs the request here, or spills it back to the node the policy picks.
  void RequestLease(LeaseRequest request, LeaseReplyCallback reply);
  // Queued requests that another node could serve now are spilled there (called
  // periodically: queues drain onto nodes that freed up or joined since).
  void SpillQueued();
  // Frees the lease's resources and hands its worker back (or kills it when
  // `disconnect_worker`). False if the lease is unknown.
  bool ReturnLease(const LeaseID& lease_id, bool disconnect_worker);
  // Drops a request for `task_id` that has no worker yet; it is replied canceled=true.
  bool CancelLease(const std::string& task_id);
  // A blocked worker lends its lease's CPU back so nested tasks can run; unblocking takes
  // it again even if that over-commits the node.
  void SetWorkerBlocked(const WorkerID& worker_id, bool blocked);
  // The worker process is gone: its lease, if any, ends.
  void OnWorkerDied(const WorkerID& worker_id);
  // The core worker holding leases exited: nobody will return them, and their workers may
  // still run its tasks, so the workers are killed and the leases end.
  void OnLesseeDied(const WorkerID& lessee);
  // Replies canceled=true to every request not yet granted that matches (all when
  // `job_id` is nil), with `message` as the failure message.
  void CancelPending(const JobID& job_id, const std::string& message);

  // Placement-group bundles (raylet/bundle_resources.*). Reserve takes `resources` from
  // what is free now, or nothing (false) when they do not fit; Unreserve gives them back.
  bool Reserve(const ResourceSet& resources);
  void Unreserve(const ResourceSet& resources);
  // Resources this node gains (a committed bundle's) or loses. Leases holding a resource
  // that is gone end with their workers killed; requests asking for one fail as
  // unschedulable with `why`.
  void AddCapacity(const ResourceSet& resources);
  void RemoveCapacity(const ResourceSet& resources, const std::string& why);

  // Called after every change of the available resources.
  void SetResourcesChangedCallback(std::function<void()> callback) {
    on_resources_changed_ = std::move(callback);
  }

  // Workers leased for detached actors: the end of their job must not kill them.
  std::unordered_set<WorkerID> WorkersOfDetachedActors() const;

  // The virtual cluster a job's work must run in ("" for the nodes in none), from its
  // JobConfig (common/virtual_cluster.h).
  using JobVirtualCluster = std::function<std::string(const JobID&)>;
  void set_job_virtual_cluster(JobVirtualCluster lookup) {
    job_virtual_cluster_ = std::move(lookup);
  }
  // This node's labels, for label selectors (NodeLabelSchedulingStrategy).
  void set_labels(NodeLabels labels) { labels_ = std::move(labels); }
  // This node's real usage (ResourceUsage), for --scheduler-real-usage.
  void set_self_usage(std::function<rpc::ResourceUsage()> usage) { self_usage_ = std::move(usage); }
  // A job's own DEFAULT watermark (JobConfig.scheduling_spread_threshold), if known here.
  using JobSpreadThreshold = std::function<std::optional<double>(const JobID&)>;
  void set_job_spread_threshold(JobSpreadThreshold lookup) {
    job_spread_threshold_ = std::move(lookup);
  }

  const ResourceSet& total() const { return total_; }
  const ResourceSet& available() const { return available_; }
  // Requests queued or holding resources while a worker starts.
  size_t num_pending() const { return queue_.size() + waiting_for_worker_.size(); }
  size_t num_leases() const { return leases_.size(); }
  size_t num_queued() const { return queue_.size(); }
  size_t num_waiting_for_worker() const { return waiting_for_worker_.size(); }

 private:
  struct Pending {
    uint64_t seq = 0;
    LeaseRequest request;
    LeaseReplyCallback reply;
  };
  struct Lease {
    WorkerID worker_id;
    ResourceSet held;  // taken from available_
    ResourceSet lent;  // CPU handed back while the worker is blocked
    bool detached_actor = false;
    WorkerID lessee;
  };

  // The policy's node for `request`, with this node's live figures in the picture.
  SchedulingDecision Decide(const LeaseRequest& request);
  void Spill(const LeaseRequest& request, const NodeID& node_id, const LeaseReplyCallback& reply);
  // `why`: the policy's reason, when it gave one (a label selector no node matches).
  void ReplyInfeasible(const LeaseRequest& request, const LeaseReplyCallback& reply,
                       const std::string& why = "");
  // Grants every queued request that fits, in order; later requests may pass earlier
  // ones that do not fit.
  void Dispatch();
  void Grant(Pending pending);
  void OnWorkerPopped(uint64_t seq, StatusOr<LeasedWorker> worker);
  void EndLease(LeaseID lease_id);  // by value: callers pass references into the maps
  void Give(const ResourceSet& resources);
  void Take(const ResourceSet& resources);

  NodeID self_;
  ResourceSet total_;
  ResourceSet available_;
  NodeLabels labels_;
  JobSpreadThreshold job_spread_threshold_;
  JobVirtualCluster job_virtual_cluster_;
  std::function<rpc::ResourceUsage()> self_usage_;
  ClusterView* cluster_;
  SchedulingPolicy policy_;
  WorkerSource* workers_;
  std::function<void()> on_resources_changed_;

  uint64_t next_seq_ = 0;
  std::list<Pending> queue_;
  std::unordered_map<uint64_t, Pending> waiting_for_worker_;
  std::unordered_map<LeaseID, Lease> leases_;
  std::unordered_map<WorkerID, LeaseID> lease_of_worker_;
  bool dispatching_ = false;
  bool dispatch_again_ = false;
};

}  // namespace colony::raylet
