#include "core_worker/actor_task_submitter.h"

#include <algorithm>

#include "common/logging.h"

namespace colony {
namespace {

const char* DeathCauseName(rpc::ActorTableData::DeathCause cause) {
  switch (cause) {
    case rpc::ActorTableData::KILLED:
      return "it was killed";
    case rpc::ActorTableData::WORKER_CRASHED:
      return "its worker process crashed";
    case rpc::ActorTableData::OWNER_DIED:
      return "its owner died";
    case rpc::ActorTableData::NODE_DIED:
      return "its node died";
    case rpc::ActorTableData::CREATION_FAILED:
      return "its constructor raised an exception";
    case rpc::ActorTableData::EXITED:
      return "it exited";
    case rpc::ActorTableData::OUT_OF_SCOPE:
      return "it went out of scope";
    default:
      return "it died";
  }
}

}  // namespace

void ActorTaskSubmitter::AddActor(const ActorID& id, int max_pending_calls, int max_task_retries) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (actors_.count(id)) return;
    auto actor = std::make_unique<Actor>();
    actor->id = id;
    actor->max_pending_calls = max_pending_calls;
    actor->max_task_retries = max_task_retries;
    actors_[id] = std::move(actor);
  }
  PollState(id, 0);
}

Status ActorTaskSubmitter::Submit(rpc::TaskSpec spec) {
  ActorID id = ActorID::FromBinary(spec.actor_id());
  std::lock_guard<std::mutex> lock(mu_);
  auto it = actors_.find(id);
  if (it == actors_.end()) return Status::InvalidArgument("unknown actor " + id.Hex());
  Actor* actor = it->second.get();
  if (actor->max_pending_calls >= 0 && actor->pending >= actor->max_pending_calls) {
    return Status(StatusCode::kLimitExceeded,
                  "actor " + id.Hex() + " already has " + std::to_string(actor->pending) +
                      " calls pending, its max_pending_calls");
  }
  int64_t seq = actor->next_seq++;
  spec.set_sequence_number(seq);
  spec.set_caller_handle_id(d_.caller_id);
  auto shared = std::make_shared<rpc::TaskSpec>(std::move(spec));
  Call& call = actor->queued[seq];
  call.spec = shared;
  call.retries_left = actor->max_task_retries;
  actor->pending++;
  if (actor->data.state() == rpc::ActorTableData::DEAD) {
    FailCall(actor, call);
    actor->queued.erase(seq);
    actor->pending--;
    return Status::OK();
  }
  if (!resolver_.NeedsResolving(*shared)) {
    // Sent from the caller's thread: no hop through the loop on the common path.
    call.resolved = true;
    SendQueued(actor);
    return Status::OK();
  }
  resolver_.Resolve(shared, [this, id, seq]() {
    std::lock_guard<std::mutex> lock(mu_);
    Actor* actor = actors_[id].get();
    auto it = actor->queued.find(seq);
    if (it == actor->queued.end()) return;
    it->second.resolved = true;
    SendQueued(actor);
  });
  return Status::OK();
}

void ActorTaskSubmitter::Cancel(const ActorID& actor_id, const TaskID& task_id,
                                bool recursive) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = actors_.find(actor_id);
  if (it == actors_.end()) return;
  Actor* actor = it->second.get();
  auto has_task = [&task_id](const auto& entry) {
    return entry.second.spec->task_id() == task_id.Binary();
  };
  for (auto* calls : {&actor->queued, &actor->orphaned}) {
    auto call = std::find_if(calls->begin(), calls->end(), has_task);
    if (call == calls->end()) continue;
    if (!call->second.cancelled) {
      call->second.cancelled = true;
      call->second.resolved = true;  // its arguments are not needed any more
      d_.tasks->FailTask(task_id, rpc::TASK_CANCELLED,
                         "actor call " + call->second.spec->name() + " was cancelled");
      if (calls == &actor->queued) SendQueued(actor);
    }
    return;
  }
  auto call = std::find_if(actor->in_flight.begin(), actor->in_flight.end(), has_task);
  if (call == actor->in_flight.end()) return;
  // Its reply says whether it was cancelled (skipped or its coroutine cancelled) or ran.
  d_.transport->Cancel(actor->data.address(), task_id, false, recursive);
}

void ActorTaskSubmitter::Stop() {
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
}

void ActorTaskSubmitter::PollState(const ActorID& id, int64_t after_version) {
  d_.states->PollActorState(id, after_version,
      [this, id, after_version](Status status, rpc::PollActorStateReply&& reply) {
        d_.loop->Post([this, id, after_version, status, reply = std::move(reply)]() mutable {
          {
            std::lock_guard<std::mutex> lock(mu_);
            if (stopped_) return;
          }
          if (!status.ok()) {
            d_.loop->PostDelayed([this, id, after_version]() { PollState(id, after_version); },
                                 kPollRetryMs);
            return;
          }
          int64_t version = reply.actor().version();
          bool dead = reply.actor().state() == rpc::ActorTableData::DEAD;
          OnState(id, std::move(*reply.mutable_actor()));
          if (!dead) PollState(id, std::max(version, after_version));
        });
      });
}

void ActorTaskSubmitter::OnState(const ActorID& id, rpc::ActorTableData data) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = actors_.find(id);
  if (it == actors_.end()) return;
  Actor* actor = it->second.get();
  if (data.version() <= actor->data.version()) return;
  actor->data = std::move(data);
  switch (actor->data.state()) {
    case rpc::ActorTableData::ALIVE:
      SettleOrphans(actor);
      SendQueued(actor);
      break;
    case rpc::ActorTableData::DEAD:
      FailAll(actor);
      break;
    default:
      break;  // pending or restarting: calls wait
  }
}

int64_t ActorTaskSubmitter::ProcessedUpTo(const Actor& actor) const {
  int64_t lowest = actor.next_seq;
  for (const auto* calls : {&actor.queued, &actor.in_flight, &actor.orphaned}) {
    if (!calls->empty()) lowest = std::min(lowest, calls->begin()->first);
  }
  return lowest;
}

void ActorTaskSubmitter::SendQueued(Actor* actor) {
  if (actor->data.state() != rpc::ActorTableData::ALIVE) return;
  // An actor that runs more calls at once than the usual cap must get them all: its calls
  // may wait for each other (a barrier across max_concurrency calls).
  size_t limit = std::max<size_t>(
      kMaxInFlight, actor->data.creation_task().actor_creation().max_concurrency());
  while (!actor->queued.empty() && actor->in_flight.size() < limit) {
    auto head = actor->queued.begin();
    if (!head->second.resolved) break;  // order: later calls wait for this one's arguments
    int64_t seq = head->first;
    rpc::PushTaskRequest request;
    *request.mutable_task() = *head->second.spec;
    request.set_intended_worker_id(actor->data.address().worker_id());
    request.set_cancelled(head->second.cancelled);
    actor->in_flight[seq] = std::move(head->second);
    actor->queued.erase(head);
    request.set_client_processed_up_to(ProcessedUpTo(*actor));
    d_.tasks->MarkPushed(TaskID::FromBinary(request.task().task_id()), actor->data.address());
    ActorID id = actor->id;
    int64_t version = actor->data.version();
    // Handled on the thread that got the reply (all state is under mu_): the caller
    // waiting in get wakes one thread hop sooner.
    d_.transport->Push(actor->data.address(), std::move(request),
        [this, id, seq, version](Status status, rpc::PushTaskReply&& reply) {
          OnReply(id, seq, version, status, std::move(reply));
        });
  }
}

void ActorTaskSubmitter::OnReply(const ActorID& id, int64_t seq, int64_t version, Status status,
                                 rpc::PushTaskReply reply) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_) return;
  Actor* actor = actors_[id].get();
  auto it = actor->in_flight.find(seq);
  if (it == actor->in_flight.end()) return;  // already failed (actor dead)
  Call call = std::move(it->second);
  actor->in_flight.erase(it);
  if (status.ok()) {
    actor->pending--;
    d_.tasks->CompleteTask(TaskID::FromBinary(call.spec->task_id()), reply);
    SendQueued(actor);
    return;
  }
  // The worker went away; what to do depends on the actor's next state from the GCS.
  COLONY_LOG(WARNING) << "call to actor " << id.Hex() << " failed: " << status.ToString();
  actor->orphaned[seq] = std::move(call);
  if (actor->data.state() == rpc::ActorTableData::DEAD) {
    FailAll(actor);
  } else if (actor->data.state() == rpc::ActorTableData::ALIVE && actor->data.version() > version) {
    SettleOrphans(actor);
    SendQueued(actor);
  } else {
    d_.loop->PostDelayed([this, id, version]() { SettleIfNoNewState(id, version); },
                         kOrphanGraceMs);
  }
}

void ActorTaskSubmitter::SettleIfNoNewState(const ActorID& id, int64_t version) {
  std::lock_guard<std::mutex> lock(mu_);
  Actor* actor = actors_[id].get();
  if (actor->data.version() != version || actor->orphaned.empty()) return;
  if (actor->data.state() != rpc::ActorTableData::ALIVE) return;  // a restart will settle them
  SettleOrphans(actor);
  SendQueued(actor);
}

void ActorTaskSubmitter::SettleOrphans(Actor* actor) {
  for (auto& [seq, call] : actor->orphaned) {
    if (call.retries_left != 0) {
      if (call.retries_left > 0) call.retries_left--;
      call.resolved = true;
      actor->queued[seq] = std::move(call);
    } else {
      FailCall(actor, call);
      actor->pending--;
    }
  }
  actor->orphaned.clear();
}

ObjectValuePtr ActorTaskSubmitter::DeathError(const Actor& actor) const {
  const auto& data = actor.data;
  if (data.death_cause() == rpc::ActorTableData::CREATION_FAILED &&
      !data.creation_error().metadata().empty()) {
    return std::make_shared<rpc::ObjectValue>(data.creation_error());
  }
  std::string message = "The actor " + data.class_name() + " (" + actor.id.Hex() +
                        ") died because " + DeathCauseName(data.death_cause());
  if (data.state() != rpc::ActorTableData::DEAD) {
    message = "The actor " + data.class_name() + " (" + actor.id.Hex() +
              ") died or became unreachable while running the call, and max_task_retries "
              "is exhausted";
  }
  if (!data.death_message().empty()) message += ": " + data.death_message();
  return MakeErrorValue(rpc::ACTOR_DIED, message);
}

void ActorTaskSubmitter::FailCall(Actor* actor, const Call& call) {
  d_.tasks->FailTaskWithValue(TaskID::FromBinary(call.spec->task_id()), DeathError(*actor));
}

void ActorTaskSubmitter::FailAll(Actor* actor) {
  for (auto* calls : {&actor->queued, &actor->in_flight, &actor->orphaned}) {
    for (const auto& [seq, call] : *calls) FailCall(actor, call);
    calls->clear();
  }
  actor->pending = 0;
}

}  // namespace colony
