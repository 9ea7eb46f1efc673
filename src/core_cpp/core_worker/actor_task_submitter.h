// Calls actors directly: per actor, calls from this process get sequence numbers in
// submission order, wait for their owned arguments, and are pushed to the actor's worker in
// that order, at most kMaxInFlight (or the actor's max_concurrency, if higher) at once
// (back-pressure on the callee's receive queue).
// The actor's state (ALIVE at an address, RESTARTING, DEAD and why) comes from a long poll
// on the GCS; calls in flight when the actor dies are resent after a restart while
// max_task_retries allows, otherwise they fail with the actor's death cause.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/id.h"
#include "core_worker/actor_state_source.h"
#include "core_worker/dependency_resolver.h"
#include "core_worker/task_manager.h"
#include "core_worker/task_transport.h"

namespace colony {

class ActorTaskSubmitter {
 public:
  static constexpr int kMaxInFlight = 1000;
  // After a failed state poll, how long until the next.
  static constexpr int64_t kPollRetryMs = 500;
  // A push that failed while the GCS still says ALIVE: if no new state arrives within this
  // time the actor is unreachable rather than restarting, and the stranded calls are settled.
  static constexpr int64_t kOrphanGraceMs = 5000;

  struct Deps {
    EventLoop* loop;
    MemoryStore* store;
    ReferenceCounter* refs;
    TaskManager* tasks;
    TaskTransport* transport;
    ActorStateSource* states;
    std::string caller_id;  // identifies this process's handle to every actor
  };
  explicit ActorTaskSubmitter(Deps deps)
      : d_(std::move(deps)), resolver_(d_.loop, d_.store, d_.refs) {}

  // Starts tracking an actor this process holds a handle to (idempotent).
  void AddActor(const ActorID& id, int max_pending_calls, int max_task_retries);
  // Queues a call; fails at once with kLimitExceeded past max_pending_calls.
  Status Submit(rpc::TaskSpec spec);
  // Cancels a call that has not run: one not sent yet fails at once (it is still sent,
  // marked, so the actor's order moves past it); one sent is skipped by the actor if it has
  // not started, or, in an async actor, has its coroutine cancelled. A sync actor's
  // running call runs on and returns its result.
  void Cancel(const ActorID& actor_id, const TaskID& task_id, bool recursive);
  // Fails everything still queued (shutdown).
  void Stop();
  // Applies an actor state newer than the last seen (from the state poll, or the GCS's
  // reply to this process's kill); ignored for actors this process has no handle to.
  void OnState(const ActorID& id, rpc::ActorTableData data);

 private:
  struct Call {
    std::shared_ptr<rpc::TaskSpec> spec;
    bool resolved = false;
    bool cancelled = false;
    int retries_left = 0;
  };
  struct Actor {
    ActorID id;
    rpc::ActorTableData data;  // latest state seen
    int max_pending_calls = -1;
    int max_task_retries = 0;
    int64_t next_seq = 0;
    std::map<int64_t, Call> queued;      // not yet sent, by sequence number
    std::map<int64_t, Call> in_flight;   // sent to data.address()
    std::map<int64_t, Call> orphaned;    // in flight when the worker failed; wait for state
    int pending = 0;                     // queued + in flight + orphaned
  };

  void PollState(const ActorID& id, int64_t after_version);
  void SendQueued(Actor* actor);
  void OnReply(const ActorID& id, int64_t seq, int64_t version, Status status,
               rpc::PushTaskReply reply);
  // Retries or fails the calls that were in flight when the actor's worker went away.
  void SettleOrphans(Actor* actor);
  // A push failed but the actor stayed ALIVE at `version`: it was unreachable, not dead.
  void SettleIfNoNewState(const ActorID& id, int64_t version);
  void FailCall(Actor* actor, const Call& call);
  void FailAll(Actor* actor);
  ObjectValuePtr DeathError(const Actor& actor) const;
  int64_t ProcessedUpTo(const Actor& actor) const;

  Deps d_;
  DependencyResolver resolver_;
  std::mutex mu_;
  std::unordered_map<ActorID, std::unique_ptr<Actor>> actors_;
  bool stopped_ = false;
};

}  // namespace colony
