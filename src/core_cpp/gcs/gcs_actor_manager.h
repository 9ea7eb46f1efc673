// The actor table: registration (with name uniqueness per namespace), the life cycle
// PENDING_CREATION -> ALIVE -> (RESTARTING -> ALIVE)* -> DEAD, kills, restarts after
// worker or node deaths, fate-sharing with owners and jobs, and the long poll that
// publishes every change to handle holders. Placement and creation are delegated to
// GcsActorScheduler; this class hears back as its ActorSchedulingListener.
//
// Every change bumps ActorTableData.version and is written through to the store's ACTOR
// table, so a GCS restarted on a persistent store reloads the table (Initialize). Changes
// apply in memory at once; what acknowledges them (a reply, a poll answer) waits until
// the actor's writes are stored, so no client sees a state a restarted GCS would not.
// Runs on the GCS event loop; no locks. It must outlive the loop's Run (held polls).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common.pb.h"
#include "common/event_loop.h"
#include "common/id.h"
#include "gcs.pb.h"
#include "gcs/gcs_actor_scheduler.h"
#include "gcs/store/gcs_table_storage.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

struct GcsActorManagerOptions {
  // A PollActorState with nothing new is answered with the current data after this long.
  int64_t poll_timeout_ms = 10000;
  // A worker asked to exit gracefully is killed if its lease is still held after this long.
  int64_t graceful_exit_timeout_ms = 10000;
};

class GcsActorManager : public ActorSchedulingListener {
 public:
  // Registers itself as the scheduler's listener; `storage` and `scheduler` must outlive it.
  GcsActorManager(EventLoop* loop, GcsTableStorage* storage, GcsActorScheduler* scheduler,
                  GcsActorManagerOptions options = {});

  // Takes the reloaded ACTOR table; actors that were being created are scheduled again
  // once the loop runs. Call once, after the node manager is initialized, before serving.
  Status Initialize(const GcsInitData& init);

  void HandleRegisterActor(const rpc::RegisterActorRequest& request,
                           rpc::RegisterActorReply* reply, rpc::SendReply send_reply);
  void HandleGetActorInfo(const rpc::GetActorInfoRequest& request, rpc::GetActorInfoReply* reply,
                          rpc::SendReply send_reply);
  void HandlePollActorState(const rpc::PollActorStateRequest& request,
                            rpc::PollActorStateReply* reply, rpc::SendReply send_reply);
  void HandleKillActor(const rpc::KillActorRequest& request, rpc::KillActorReply* reply,
                       rpc::SendReply send_reply);
  void HandleListNamedActors(const rpc::ListNamedActorsRequest& request,
                             rpc::ListNamedActorsReply* reply, rpc::SendReply send_reply);
  void HandleReportWorkerFailure(const rpc::ReportWorkerFailureRequest& request,
                                 rpc::ReportWorkerFailureReply* reply,
                                 rpc::SendReply send_reply);

  // no_restart: DEAD (KILLED) at once, then the worker is killed. Otherwise the worker is
  // killed and the actor restarts if it has restarts left (this kill counts as one), else
  // it is DEAD (KILLED). NotFound for an unknown actor; a DEAD actor is left as it is.
  // `graceful` (implies no restart): the worker is asked to finish its running call and
  // exit normally (killed after the grace period if it has not); the actor is DEAD with
  // `cause` once the worker's exit is reported, so calls it ran keep their results.
  Status KillActor(const ActorID& actor_id, bool no_restart, bool graceful = false,
                   rpc::ActorTableData::DeathCause cause = rpc::ActorTableData::KILLED);
  // A worker process exited: its actor restarts or dies (WORKER_CRASHED), and the
  // non-detached actors it owned die (OWNER_DIED).
  void OnWorkerFailure(const WorkerID& worker_id, const std::string& reason, bool intentional);
  // The job's driver is gone: its non-detached actors die (OWNER_DIED).
  void OnJobFinished(const JobID& job_id);
  // Actors on the node are handled like worker deaths (NODE_DIED when no restart is left);
  // non-detached actors owned by a process on the node die (OWNER_DIED).
  void OnNodeDead(const NodeID& node_id, const std::string& reason);

  // ActorSchedulingListener.
  void OnActorCreationReplied(const ActorID& actor_id, const ActorLease& lease,
                              const rpc::PushTaskReply& reply) override;
  void OnActorWorkerFailed(const ActorID& actor_id, const std::string& message) override;
  void OnActorUnschedulable(const ActorID& actor_id, const std::string& message) override;

  // Answers every held poll, and later polls at once, so the RPC server can drain.
  void Shutdown();

  // Observers (the event manager): an actor's state changed (called after the change, with
  // the record as clients see it), and a raylet reported a worker's exit.
  using ActorStateListener = std::function<void(const rpc::ActorTableData&)>;
  using WorkerFailureListener = std::function<void(const rpc::ReportWorkerFailureRequest&)>;
  void AddActorStateListener(ActorStateListener listener) {
    state_listeners_.push_back(std::move(listener));
  }
  void AddWorkerFailureListener(WorkerFailureListener listener) {
    worker_failure_listeners_.push_back(std::move(listener));
  }
  // Every actor, as clients see it (GcsEventService.GetAllActorInfo, `colony list actors`).
  void HandleGetAllActorInfo(const rpc::GetAllActorInfoRequest& request,
                             rpc::GetAllActorInfoReply* reply, rpc::SendReply send_reply);

  // Null for an unknown actor.
  const rpc::ActorTableData* GetActor(const ActorID& actor_id) const;
  // Actors not DEAD whose creation task runs in the placement group (binary id).
  std::vector<ActorID> ActorsInPlacementGroup(const std::string& pg_id) const;
  size_t num_actors() const { return actors_.size(); }
  size_t num_held_polls() const;

 private:
  struct Actor {
    rpc::ActorTableData data;
    std::optional<ActorLease> lease;  // while ALIVE
    // Set while its worker exits gracefully: the actor stays ALIVE (so the replies of the
    // calls it ran reach their callers before its connections close) and becomes DEAD
    // with this cause when the worker's exit is reported.
    std::optional<rpc::ActorTableData::DeathCause> ending;
    // Writes of this record not yet stored, and what waits for them to be.
    int pending_writes = 0;
    std::vector<std::function<void()>> after_writes;
    int notified_state = -1;  // the state the state listeners last heard of
  };
  struct HeldPoll {
    rpc::PollActorStateReply* reply;
    rpc::SendReply send_reply;
  };
  using NameKey = std::pair<std::string, std::string>;  // (namespace, name)

  Actor* Find(const ActorID& actor_id);
  // Bumps the version and writes the actor through to the store (Persist).
  void Commit(Actor& actor);
  // Writes the record as it is now; counted in pending_writes until stored. Once every
  // write is stored, runs what waited for them (WhenStored) and answers the held polls.
  void Persist(Actor& actor);
  // Runs `fn` once every write of the actor issued so far is stored (at once if none).
  void WhenStored(Actor& actor, std::function<void()> fn);
  // Ends the actor's current worker: drops its attempt in flight and, when it holds a
  // lease, returns it with disconnect (the raylet kills the process) unless
  // `return_lease` is false (its node is gone).
  void ReleaseWorker(Actor& actor, bool return_lease);
  // The actor lost its worker: RESTARTING and rescheduled if restarts are left, else DEAD
  // with `cause` and `message`.
  void RestartOrDie(Actor& actor, rpc::ActorTableData::DeathCause cause,
                    const std::string& message, bool return_lease = true);
  // The worker is asked to exit normally (killed after the grace period); the actor is
  // DEAD with `cause` once the exit is reported (at once if it has no worker).
  void EndGracefully(Actor& actor, rpc::ActorTableData::DeathCause cause);
  static std::string EndingMessage(rpc::ActorTableData::DeathCause cause);
  void MarkDead(Actor& actor, rpc::ActorTableData::DeathCause cause, const std::string& message,
                bool return_lease = true);
  // Non-DEAD, non-detached actors matching `owned`, collected before any is changed.
  template <typename Pred>
  std::vector<ActorID> OwnedActors(Pred owned) const;
  // Schedules reloaded actors that were being created; handles ALIVE ones on dead nodes.
  void ResumeAfterReload();
  void OnPollTimeout(const ActorID& actor_id, uint64_t poll_id);
  void AnswerPolls(const ActorID& actor_id);
  // What clients see: the record without the creation task's arguments.
  static rpc::ActorTableData View(const rpc::ActorTableData& data);

  EventLoop* loop_;
  GcsTableStorage* storage_;
  GcsActorScheduler* scheduler_;
  GcsActorManagerOptions options_;

  std::unordered_map<ActorID, Actor> actors_;
  std::map<NameKey, ActorID> named_;                       // names of non-DEAD actors
  std::unordered_map<WorkerID, ActorID> actor_of_worker_;  // workers of ALIVE actors
  std::unordered_map<ActorID, std::map<uint64_t, HeldPoll>> held_polls_;
  uint64_t next_poll_id_ = 0;
  bool shut_down_ = false;
  std::vector<ActorStateListener> state_listeners_;
  std::vector<WorkerFailureListener> worker_failure_listeners_;
};

}  // namespace colony::gcs
