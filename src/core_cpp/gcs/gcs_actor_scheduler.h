// Centralised actor scheduling: picks a node for an actor, leases a worker from that
// node's raylet (following spillback) and pushes the actor's creation task to the worker.
// The end of each attempt goes to an ActorSchedulingListener (the actor manager), which
// owns the actor's state; this class only knows attempts in flight. Example:
//   GcsActorScheduler scheduler(&loop, nodes, &lease_client, &pusher);
//   scheduler.SetListener(&actor_manager);
//   scheduler.Start();                 // the periodic retry of waiting actors
//   scheduler.Schedule(actor_table_data);
//
// Runs on the GCS event loop; no locks. It must outlive the loop's Run (timers).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/event_loop.h"
#include "common/id.h"
#include "common/resources.h"
#include "common/scheduling_policy.h"
#include "common/status.h"
#include "core_worker.pb.h"
#include "raylet.pb.h"

namespace colony::gcs {

// A worker lease the GCS holds for an actor (for the actor's whole life once ALIVE).
struct ActorLease {
  rpc::Address raylet;          // node_id, ip and port of the raylet that granted it
  std::string lease_id;         // LeaseID binary
  rpc::Address worker_address;  // node_id, ip, port, worker_id
  int32_t worker_pid = 0;

  WorkerID worker_id() const { return WorkerID::FromBinary(worker_address.worker_id()); }
};

// Seam: the raylets' lease API (NodeManagerService). GrpcActorLeaseClient implements it
// with gRPC; tests implement it without processes. Called on the GCS loop.
class ActorLeaseClient {
 public:
  using LeaseCallback = std::function<void(Status, const rpc::RequestWorkerLeaseReply&)>;

  virtual ~ActorLeaseClient() = default;
  // Asks the raylet at `raylet` (ip, port) for a lease; `callback` runs on the GCS loop
  // with the RPC status and, when it is OK, the raylet's reply.
  virtual void RequestWorkerLease(const rpc::Address& raylet,
                                  const rpc::RequestWorkerLeaseRequest& request,
                                  LeaseCallback callback) = 0;
  // Ends a lease; with `disconnect_worker` the raylet kills the worker. Fire and forget:
  // a lease the raylet no longer knows already ended with its worker.
  virtual void ReturnWorker(const rpc::Address& raylet, const std::string& lease_id,
                            bool disconnect_worker) = 0;
};

// Seam: CoreWorkerService.PushTask of the creation task to the leased worker.
class ActorTaskPusher {
 public:
  using PushCallback = std::function<void(Status, const rpc::PushTaskReply&)>;

  virtual ~ActorTaskPusher() = default;
  // `callback` runs on the GCS loop. No deadline: a constructor may run for long.
  virtual void PushTask(const rpc::Address& worker, const rpc::PushTaskRequest& request,
                        PushCallback callback) = 0;
  // Asks the worker to finish its running call and exit normally (fire and forget).
  virtual void RequestGracefulExit(const rpc::Address& worker) = 0;
};

// Told how each scheduling attempt ended. Called on the loop, after the attempt is gone
// from the scheduler, so it may Schedule or Cancel again.
class ActorSchedulingListener {
 public:
  virtual ~ActorSchedulingListener() = default;
  // The creation task replied; reply.is_application_error() tells whether the constructor
  // raised. The lease now belongs to the listener (hold it, or ReturnLease it).
  virtual void OnActorCreationReplied(const ActorID& actor_id, const ActorLease& lease,
                                      const rpc::PushTaskReply& reply) = 0;
  // The actor's worker could not be started, or died (or became unreachable) before the
  // creation task replied. Its lease, if any, was already returned with disconnect.
  // `message` reads as a death message, e.g. "the actor's worker could not be started: ...".
  virtual void OnActorWorkerFailed(const ActorID& actor_id, const std::string& message) = 0;
  // The actor's scheduling strategy can never be met (a hard node affinity to a dead
  // node): it must fail without restarts.
  virtual void OnActorUnschedulable(const ActorID& actor_id, const std::string& message) = 0;
};

// Every node the GCS knows, dead ones included (GcsNodeManager::GetAllNodes).
using NodeLister = std::function<std::vector<rpc::NodeInfo>()>;

struct GcsActorSchedulerOptions {
  // How often actors that found no node (or no lease) are retried.
  int64_t retry_period_ms = 1000;
  // The owner's node is preferred while its utilisation is below this.
  double spread_threshold = 0.5;
  // Kept for actors that ask for them (SchedulingPolicyOptions::scarce_resources).
  std::vector<std::string> scarce_resources = {"GPU"};
  // SchedulingPolicyOptions::real_usage and memory_pressure_threshold.
  bool real_usage = false;
  double memory_pressure_threshold = 0.95;
  // After a failed creation push, how long to wait for the raylet's report of the worker's
  // death (it says why the process died) before failing with the RPC error instead.
  int64_t push_failure_grace_ms = 1000;
};

class GcsActorScheduler {
 public:
  // `leases` and `pusher` must outlive this object.
  GcsActorScheduler(EventLoop* loop, NodeLister nodes, ActorLeaseClient* leases,
                    ActorTaskPusher* pusher, GcsActorSchedulerOptions options = {});

  void SetListener(ActorSchedulingListener* listener) { listener_ = listener; }
  // Starts the periodic retry; call once.
  void Start();

  // Starts an attempt to create `actor` from its creation_task (attempt_number set to
  // num_restarts), replacing any attempt in flight for it.
  void Schedule(const rpc::ActorTableData& actor);
  // Drops the actor's attempt, if any: a lease it holds is returned with disconnect (the
  // constructor may be running); a lease granted later is returned unused.
  void Cancel(const ActorID& actor_id);
  // Ends a lease the listener holds.
  void ReturnLease(const ActorLease& lease, bool disconnect_worker);
  // Asks the lease's worker to finish its running call and exit normally.
  void RequestGracefulExit(const ActorLease& lease) {
    pusher_->RequestGracefulExit(lease.worker_address);
  }

  // A node joined or came back: retries the waiting actors now.
  void OnNodeAdded();
  // Re-schedules attempts whose lease request went to `node_id`; returns the actors whose
  // leased worker was there (their attempts are dropped: the caller treats them as
  // worker deaths).
  std::vector<ActorID> OnNodeDead(const NodeID& node_id);
  // The node's resource figures in the node table are fresh again.
  void OnResourcesReported(const NodeID& node_id) { in_flight_.erase(node_id); }

  // The actor whose creation task is being pushed to `worker_id`, if any.
  std::optional<ActorID> ActorCreatingOn(const WorkerID& worker_id) const;
  // The raylet address of an alive node.
  std::optional<rpc::Address> RayletOf(const NodeID& node_id) const;

  // The node for an actor by its strategy (common/scheduling_policy.h), the owner's node
  // preferred. Leases requested since a node's last resource report count as taken.
  // Only nodes of the job's virtual cluster are considered (common/virtual_cluster.h).
  SchedulingDecision PickNode(const ResourceSet& request, const NodeID& owner_node,
                              const rpc::SchedulingStrategy& strategy,
                              const JobID& job_id = JobID::Nil());
  // The virtual cluster a job's actors must run in ("" for the nodes in none).
  using JobVirtualCluster = std::function<std::string(const JobID&)>;
  void set_job_virtual_cluster(JobVirtualCluster lookup) {
    job_virtual_cluster_ = std::move(lookup);
  }

  size_t num_attempts() const { return attempts_.size(); }
  size_t num_waiting() const;

 private:
  enum class Phase { kWaiting, kLeasing, kPushing, kPushFailed };
  struct Attempt {
    uint64_t id = 0;
    rpc::TaskSpec creation_task;
    bool detached = false;
    NodeID owner_node;
    Phase phase = Phase::kWaiting;
    rpc::Address raylet;  // asked for the lease (kLeasing) or granted it (later phases)
    ActorLease lease;     // kPushing, kPushFailed
    bool warned = false;  // logged once that it cannot be placed
  };

  // Picks a node and asks its raylet for a lease, or leaves the attempt waiting.
  void TryPlace(const ActorID& actor_id);
  void RequestLease(const ActorID& actor_id, Attempt& attempt, const rpc::Address& raylet,
                    bool grant_or_reject);
  void OnLeaseReply(const ActorID& actor_id, uint64_t attempt_id, const Status& status,
                    const rpc::RequestWorkerLeaseReply& reply);
  void Push(const ActorID& actor_id, Attempt& attempt);
  void OnPushReply(const ActorID& actor_id, uint64_t attempt_id, const Status& status,
                   const rpc::PushTaskReply& reply);
  // Leaves the attempt waiting for the next retry; logs `why` once per attempt.
  void Wait(const ActorID& actor_id, Attempt& attempt, const std::string& why);
  void RetryWaiting();
  // Ends the attempt and tells the listener the worker failed.
  void FailAttempt(const ActorID& actor_id, const std::string& message);
  // The live attempt `attempt_id` of the actor, or null if it was replaced or dropped.
  Attempt* Find(const ActorID& actor_id, uint64_t attempt_id);

  EventLoop* loop_;
  NodeLister nodes_;
  ActorLeaseClient* leases_;
  ActorTaskPusher* pusher_;
  GcsActorSchedulerOptions options_;
  SchedulingPolicy policy_;
  JobVirtualCluster job_virtual_cluster_;
  ActorSchedulingListener* listener_ = nullptr;

  uint64_t next_attempt_id_ = 1;
  std::unordered_map<ActorID, Attempt> attempts_;
  // Resources of leases asked of each node since its last resource report.
  std::unordered_map<NodeID, ResourceSet> in_flight_;
};

}  // namespace colony::gcs
