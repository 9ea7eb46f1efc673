// The placement-group table: creation (with name uniqueness per namespace), the life cycle
// PENDING -> (PREPARED) -> CREATED -> (RESCHEDULING -> CREATED)* -> REMOVED, removal
// (which kills the group's actors and returns its bundles), the end of non-detached groups
// with their creator's job, rescheduling of the bundles a dead node held, and the long
// poll that tells a client its group is ready. Placement is delegated to
// GcsPlacementGroupScheduler; this class hears back as its listener.
//
// Records are written through to the store's PLACEMENT_GROUP table, so a GCS restarted on
// a persistent store reloads them (Initialize); a create is answered once it is stored.
// Runs on the GCS event loop; no locks. It must outlive the loop's Run (timers, polls).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/event_loop.h"
#include "common/id.h"
#include "gcs.pb.h"
#include "gcs/gcs_placement_group_scheduler.h"
#include "gcs/store/gcs_table_storage.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

struct GcsPlacementGroupManagerOptions {
  // How often groups that could not be placed are tried again (also when a node joins).
  int64_t retry_period_ms = 1000;
  // The longest a WaitPlacementGroupUntilReady is held.
  int64_t max_wait_ms = 60000;
};

class GcsPlacementGroupManager : public PlacementGroupSchedulingListener {
 public:
  // Kills the (non-dead) actors created in the group, without restart.
  using ActorKiller = std::function<void(const std::string& pg_id)>;

  // Registers itself as the scheduler's listener; `storage` and `scheduler` must outlive it.
  GcsPlacementGroupManager(EventLoop* loop, GcsTableStorage* storage,
                           GcsPlacementGroupScheduler* scheduler, ActorKiller kill_actors,
                           GcsPlacementGroupManagerOptions options = {});

  // Takes the reloaded table; groups not yet created are rolled back on every node (a
  // GCS that died mid-commit may have left reservations) and scheduled again. Call once,
  // on the loop, after the node manager is initialized.
  Status Initialize(const GcsInitData& init);
  // Starts the periodic retry; call once.
  void Start();

  void HandleCreatePlacementGroup(const rpc::CreatePlacementGroupRequest& request,
                                  rpc::CreatePlacementGroupReply* reply, rpc::SendReply send);
  void HandleRemovePlacementGroup(const rpc::RemovePlacementGroupRequest& request,
                                  rpc::RemovePlacementGroupReply* reply, rpc::SendReply send);
  void HandleGetPlacementGroup(const rpc::GetPlacementGroupRequest& request,
                               rpc::GetPlacementGroupReply* reply, rpc::SendReply send);
  void HandleGetAllPlacementGroup(const rpc::GetAllPlacementGroupRequest& request,
                                  rpc::GetAllPlacementGroupReply* reply, rpc::SendReply send);
  void HandleWaitPlacementGroupUntilReady(const rpc::WaitPlacementGroupUntilReadyRequest& request,
                                          rpc::WaitPlacementGroupUntilReadyReply* reply,
                                          rpc::SendReply send);

  // Non-detached groups of the job are removed.
  void OnJobFinished(const JobID& job_id);
  // Bundles on the node are placed again (the group is RESCHEDULING meanwhile).
  void OnNodeDead(const NodeID& node_id);
  // A node joined: waiting groups are tried now.
  void OnNodeAdded() { RetryWaiting(); }
  // Answers every held wait, and later ones at once, so the RPC server can drain.
  void Shutdown();

  // PlacementGroupSchedulingListener.
  void OnPlacementCreated(const std::string& pg_id, const std::map<int, NodeID>& placed) override;
  void OnPlacementFailed(const std::string& pg_id, const std::string& reason) override;

  // Null for an unknown group.
  const rpc::PlacementGroupTableData* Get(const std::string& pg_id) const;
  size_t num_groups() const { return groups_.size(); }

 private:
  struct Waiter {
    uint64_t id;
    rpc::WaitPlacementGroupUntilReadyReply* reply;
    rpc::SendReply send;
  };
  using NameKey = std::pair<std::string, std::string>;  // (namespace, name)

  rpc::PlacementGroupTableData* Find(const std::string& pg_id);
  // Bumps the version and writes the record through; `done` (if any) once stored.
  void Persist(rpc::PlacementGroupTableData& group, StatusCallback done = nullptr);
  void Remove(rpc::PlacementGroupTableData& group);
  void TrySchedule(const rpc::PlacementGroupTableData& group);
  void RetryWaiting();
  void AnswerWaiters(const std::string& pg_id);
  static Status Validate(const rpc::PlacementGroupTableData& group);

  EventLoop* loop_;
  GcsTableStorage* storage_;
  GcsPlacementGroupScheduler* scheduler_;
  ActorKiller kill_actors_;
  GcsPlacementGroupManagerOptions options_;
  std::unordered_map<std::string, rpc::PlacementGroupTableData> groups_;
  std::map<NameKey, std::string> named_;
  std::unordered_map<std::string, std::vector<Waiter>> waiters_;
  uint64_t next_waiter_id_ = 1;
  bool shut_down_ = false;
  bool started_ = false;
};

}  // namespace colony::gcs
