#include "gcs/gcs_actor_manager.h"

#include <cmath>

#include "common/logging.h"
#include "common/resources.h"

namespace colony::gcs {
namespace {

using rpc::ActorTableData;

constexpr const char* kKilledMessage = "killed by colony.kill";
constexpr const char* kOwnerDiedMessage = "the actor's owner died";
constexpr const char* kConstructorRaisedMessage = "the actor's constructor raised an exception";

// The actor ID of a creation task: actor_creation.actor_id, else the task's actor_id.
const std::string& ActorIdOf(const rpc::TaskSpec& task) {
  return task.actor_creation().actor_id().empty() ? task.actor_id()
                                                  : task.actor_creation().actor_id();
}

// The namespace the actor's name lives in: actor_creation's, else the task's (the job's).
const std::string& NamespaceOf(const rpc::TaskSpec& task) {
  return task.actor_creation().namespace_().empty() ? task.namespace_()
                                                    : task.actor_creation().namespace_();
}

Status CheckCreationTask(const rpc::TaskSpec& task) {
  if (task.type() != rpc::ACTOR_CREATION_TASK) {
    return Status::InvalidArgument("creation_task.type must be ACTOR_CREATION_TASK");
  }
  if (!task.has_actor_creation()) {
    return Status::InvalidArgument("creation_task.actor_creation must be set");
  }
  if (!ActorID::IsValidBinary(ActorIdOf(task))) {
    return Status::InvalidArgument("actor_id must be " + std::to_string(ActorID::kSize) +
                                   " bytes");
  }
  if (!JobID::IsValidBinary(task.job_id())) {
    return Status::InvalidArgument("job_id must be " + std::to_string(JobID::kSize) + " bytes");
  }
  if (task.actor_creation().max_restarts() < -1) {
    return Status::InvalidArgument("max_restarts must be -1 (infinite) or >= 0");
  }
  for (const auto& [name, amount] : task.resources()) {
    Status valid = ValidateResourceAmount("creation_task.resources", name, amount);
    if (!valid.ok()) return valid;
  }
  return Status::OK();
}

std::string Describe(const ActorTableData& data) {
  std::string what = "actor " + ActorID::FromBinary(data.actor_id()).Hex();
  if (!data.class_name().empty()) what += " (" + data.class_name() + ")";
  if (!data.name().empty()) what += " named '" + data.name() + "'";
  return what;
}

void ClearPlacement(ActorTableData* data) {
  data->clear_address();
  data->clear_node_id();
  data->clear_pid();
  data->clear_lease_id();
}

}  // namespace

GcsActorManager::GcsActorManager(EventLoop* loop, GcsTableStorage* storage,
                                 GcsActorScheduler* scheduler, GcsActorManagerOptions options)
    : loop_(loop), storage_(storage), scheduler_(scheduler), options_(options) {
  scheduler_->SetListener(this);
}

// ---------------------------------------------------------------- reload

Status GcsActorManager::Initialize(const GcsInitData& init) {
  for (const auto& [key, record] : init.actors) {
    ActorTableData data = record;
    if (!ActorID::IsValidBinary(data.actor_id())) {
      return Status::Internal("corrupt actor record in store");
    }
    ActorID actor_id = ActorID::FromBinary(data.actor_id());
    Actor& actor = actors_[actor_id];
    actor.data = std::move(data);
    const ActorTableData& d = actor.data;
    if (d.state() != ActorTableData::DEAD && !d.name().empty()) {
      named_[{d.namespace_(), d.name()}] = actor_id;
    }
    if (d.state() == ActorTableData::ALIVE) {
      ActorLease lease;
      lease.lease_id = d.lease_id();
      lease.worker_address = d.address();
      lease.worker_pid = d.pid();
      actor_of_worker_[lease.worker_id()] = actor_id;
      actor.lease = std::move(lease);  // its raylet address is looked up once the loop runs
    }
  }
  COLONY_LOG(DEBUG) << "loaded " << actors_.size() << " actors";
  if (!actors_.empty()) loop_->Post([this] { ResumeAfterReload(); });
  return Status::OK();
}

void GcsActorManager::ResumeAfterReload() {
  std::vector<ActorID> ids;
  for (const auto& [actor_id, actor] : actors_) ids.push_back(actor_id);
  for (const ActorID& actor_id : ids) {
    Actor& actor = actors_.at(actor_id);
    switch (actor.data.state()) {
      case ActorTableData::PENDING_CREATION:
      case ActorTableData::RESTARTING:
        scheduler_->Schedule(actor.data);
        break;
      case ActorTableData::ALIVE: {
        auto raylet = scheduler_->RayletOf(NodeID::FromBinary(actor.data.node_id()));
        if (raylet && actor.lease) {
          actor.lease->raylet = *raylet;
        } else {
          RestartOrDie(actor, ActorTableData::NODE_DIED,
                       "the actor's node died while the GCS was down", /*return_lease=*/false);
        }
        break;
      }
      default:
        break;
    }
  }
}

// ---------------------------------------------------------------- handlers

void GcsActorManager::HandleRegisterActor(const rpc::RegisterActorRequest& request,
                                          rpc::RegisterActorReply* reply,
                                          rpc::SendReply send_reply) {
  const rpc::TaskSpec& task = request.creation_task();
  Status valid = CheckCreationTask(task);
  if (!valid.ok()) {
    send_reply(valid);
    return;
  }
  ActorID actor_id = ActorID::FromBinary(ActorIdOf(task));
  if (Actor* known = Find(actor_id)) {
    // A retried registration of the same actor: answered once its record is stored.
    WhenStored(*known, [this, actor_id, reply, send_reply = std::move(send_reply)] {
      *reply->mutable_actor() = View(actors_.at(actor_id).data);
      send_reply(Status::OK());
    });
    return;
  }
  const rpc::ActorCreationSpec& spec = task.actor_creation();
  const std::string& ns = NamespaceOf(task);
  if (!spec.name().empty()) {
    auto taken = named_.find({ns, spec.name()});
    if (taken != named_.end()) {
      if (request.get_if_exists()) {
        ActorID existing = taken->second;
        WhenStored(actors_.at(existing),
                   [this, existing, reply, send_reply = std::move(send_reply)] {
                     reply->set_existed(true);
                     *reply->mutable_actor() = View(actors_.at(existing).data);
                     send_reply(Status::OK());
                   });
      } else {
        send_reply(Status::AlreadyExists("an actor named '" + spec.name() +
                                         "' already exists in namespace '" + ns + "'"));
      }
      return;
    }
  }

  ActorTableData data;
  data.set_actor_id(actor_id.Binary());
  data.set_state(ActorTableData::PENDING_CREATION);
  data.set_job_id(task.job_id());
  *data.mutable_owner_address() = task.caller_address();
  data.set_name(spec.name());
  data.set_namespace_(ns);
  data.set_detached(spec.detached());
  data.set_max_restarts(spec.max_restarts());
  *data.mutable_creation_task() = task;
  data.set_language(task.language());
  data.set_class_name(spec.class_name());
  data.set_version(1);
  // In memory at once, so a second registration of the name meanwhile is refused; the
  // reply and the scheduling wait until the record is stored.
  Actor& actor = actors_[actor_id];
  actor.data = std::move(data);
  if (!spec.name().empty()) named_[{ns, spec.name()}] = actor_id;
  COLONY_LOG(INFO) << "registered " << Describe(actor.data) << " of job "
                   << JobID::FromBinary(task.job_id()).ToInt()
                   << (spec.detached() ? ", detached" : "");
  Persist(actor);
  WhenStored(actor, [this, actor_id, reply, send_reply = std::move(send_reply)] {
    Actor& stored = actors_.at(actor_id);
    *reply->mutable_actor() = View(stored.data);
    send_reply(Status::OK());
    // Not scheduled if it was killed (or its owner died) before the write finished.
    if (stored.data.state() == ActorTableData::PENDING_CREATION &&
        stored.data.version() == 1) {
      scheduler_->Schedule(stored.data);
    }
  });
}

void GcsActorManager::HandleGetActorInfo(const rpc::GetActorInfoRequest& request,
                                         rpc::GetActorInfoReply* reply,
                                         rpc::SendReply send_reply) {
  const Actor* actor = nullptr;
  if (!request.actor_id().empty()) {
    if (!ActorID::IsValidBinary(request.actor_id())) {
      send_reply(Status::InvalidArgument("actor_id must be " + std::to_string(ActorID::kSize) +
                                         " bytes"));
      return;
    }
    actor = Find(ActorID::FromBinary(request.actor_id()));
  } else if (!request.name().empty()) {
    auto named = named_.find({request.namespace_(), request.name()});
    if (named != named_.end()) actor = Find(named->second);
  }
  reply->set_found(actor != nullptr);
  if (actor != nullptr) *reply->mutable_actor() = View(actor->data);
  send_reply(Status::OK());
}

void GcsActorManager::HandlePollActorState(const rpc::PollActorStateRequest& request,
                                           rpc::PollActorStateReply* reply,
                                           rpc::SendReply send_reply) {
  if (!ActorID::IsValidBinary(request.actor_id())) {
    send_reply(Status::InvalidArgument("actor_id must be " + std::to_string(ActorID::kSize) +
                                       " bytes"));
    return;
  }
  ActorID actor_id = ActorID::FromBinary(request.actor_id());
  const Actor* actor = Find(actor_id);
  if (actor == nullptr) {
    send_reply(Status::NotFound("unknown actor " + actor_id.Hex()));
    return;
  }
  if (shut_down_ ||
      (actor->pending_writes == 0 && actor->data.version() > request.after_version())) {
    *reply->mutable_actor() = View(actor->data);
    send_reply(Status::OK());
    return;
  }
  uint64_t poll_id = next_poll_id_++;
  held_polls_[actor_id].emplace(poll_id, HeldPoll{reply, std::move(send_reply)});
  loop_->PostDelayed([this, actor_id, poll_id] { OnPollTimeout(actor_id, poll_id); },
                     options_.poll_timeout_ms);
}

void GcsActorManager::HandleKillActor(const rpc::KillActorRequest& request,
                                      rpc::KillActorReply* reply, rpc::SendReply send_reply) {
  if (!ActorID::IsValidBinary(request.actor_id())) {
    send_reply(Status::InvalidArgument("actor_id must be " + std::to_string(ActorID::kSize) +
                                       " bytes"));
    return;
  }
  ActorID actor_id = ActorID::FromBinary(request.actor_id());
  rpc::ActorTableData::DeathCause cause = request.cause();
  if (cause == ActorTableData::NOT_DEAD) cause = ActorTableData::KILLED;
  Status status = KillActor(actor_id, request.no_restart(), request.graceful(), cause);
  if (!status.ok()) {
    send_reply(status);
    return;
  }
  WhenStored(*Find(actor_id), [this, actor_id, reply, send_reply = std::move(send_reply)] {
    *reply->mutable_actor() = View(actors_.at(actor_id).data);
    send_reply(Status::OK());
  });
}

void GcsActorManager::HandleListNamedActors(const rpc::ListNamedActorsRequest& request,
                                            rpc::ListNamedActorsReply* reply,
                                            rpc::SendReply send_reply) {
  for (const auto& [key, actor_id] : named_) {
    if (!request.all_namespaces() && key.first != request.namespace_()) continue;
    *reply->add_actors() = View(actors_.at(actor_id).data);
  }
  send_reply(Status::OK());
}

void GcsActorManager::HandleReportWorkerFailure(const rpc::ReportWorkerFailureRequest& request,
                                                rpc::ReportWorkerFailureReply* /*reply*/,
                                                rpc::SendReply send_reply) {
  if (!WorkerID::IsValidBinary(request.worker_id())) {
    send_reply(Status::InvalidArgument("worker_id must be " + std::to_string(WorkerID::kSize) +
                                       " bytes"));
    return;
  }
  for (const auto& listener : worker_failure_listeners_) listener(request);
  OnWorkerFailure(WorkerID::FromBinary(request.worker_id()), request.reason(),
                  request.intentional());
  send_reply(Status::OK());
}

void GcsActorManager::HandleGetAllActorInfo(const rpc::GetAllActorInfoRequest& /*request*/,
                                            rpc::GetAllActorInfoReply* reply,
                                            rpc::SendReply send_reply) {
  for (const auto& [actor_id, actor] : actors_) *reply->add_actors() = View(actor.data);
  send_reply(Status::OK());
}

// ---------------------------------------------------------------- life cycle

Status GcsActorManager::KillActor(const ActorID& actor_id, bool no_restart, bool graceful,
                                  ActorTableData::DeathCause cause) {
  Actor* actor = Find(actor_id);
  if (actor == nullptr) return Status::NotFound("unknown actor " + actor_id.Hex());
  if (actor->data.state() == ActorTableData::DEAD) return Status::OK();
  if (graceful) {
    EndGracefully(*actor, cause);
    return Status::OK();
  }
  COLONY_LOG(INFO) << "killing " << Describe(actor->data)
                   << (no_restart ? " for good" : ", restarting it if it may");
  if (no_restart) {
    MarkDead(*actor, ActorTableData::KILLED, kKilledMessage);
  } else {
    RestartOrDie(*actor, ActorTableData::KILLED, kKilledMessage);
  }
  return Status::OK();
}

std::string GcsActorManager::EndingMessage(ActorTableData::DeathCause cause) {
  switch (cause) {
    case ActorTableData::EXITED:
      return "exit_actor() or __colony_terminate__ ended it";
    case ActorTableData::OUT_OF_SCOPE:
      return "every handle to it was dropped";
    default:
      return kKilledMessage;
  }
}

void GcsActorManager::EndGracefully(Actor& actor, ActorTableData::DeathCause cause) {
  if (!actor.lease || actor.data.state() != ActorTableData::ALIVE) {
    MarkDead(actor, cause, EndingMessage(cause));
    return;
  }
  if (actor.ending) return;  // already on its way out
  actor.ending = cause;
  COLONY_LOG(INFO) << "ending " << Describe(actor.data) << ": " << EndingMessage(cause);
  // The worker finishes its running call and exits by itself, running its exit hooks; its
  // lease is ended (killing it) only if it is still held after the grace period. Either
  // way the exit is reported and the actor is DEAD then (OnWorkerFailure).
  ActorLease lease = *actor.lease;
  scheduler_->RequestGracefulExit(lease);
  ActorID actor_id = ActorID::FromBinary(actor.data.actor_id());
  loop_->PostDelayed([this, actor_id, lease] {
    Actor* actor = Find(actor_id);
    if (actor == nullptr || !actor->lease || actor->lease->lease_id != lease.lease_id) return;
    COLONY_LOG(WARNING) << Describe(actor->data) << " did not exit within "
                        << options_.graceful_exit_timeout_ms << " ms: killing its worker";
    MarkDead(*actor, *actor->ending, EndingMessage(*actor->ending));
  }, options_.graceful_exit_timeout_ms);
}

void GcsActorManager::OnWorkerFailure(const WorkerID& worker_id, const std::string& reason,
                                      bool intentional) {
  std::optional<ActorID> hosted;
  auto it = actor_of_worker_.find(worker_id);
  if (it != actor_of_worker_.end()) {
    hosted = it->second;
  } else {
    hosted = scheduler_->ActorCreatingOn(worker_id);
  }
  std::vector<ActorID> owned = OwnedActors([&](const ActorTableData& d) {
    return d.owner_address().worker_id() == worker_id.Binary();
  });
  if (!hosted && owned.empty()) return;
  COLONY_LOG(INFO) << "worker " << worker_id.Hex() << " died (" << reason
                   << (intentional ? ", killed on purpose" : "") << "): "
                   << (hosted ? "it hosted an actor; " : "") << owned.size()
                   << " actors owned by it die";
  for (const ActorID& actor_id : owned) {
    MarkDead(actors_.at(actor_id), ActorTableData::OWNER_DIED, kOwnerDiedMessage);
  }
  if (hosted) {
    Actor* actor = Find(*hosted);
    if (actor != nullptr && actor->data.state() != ActorTableData::DEAD) {
      RestartOrDie(*actor, ActorTableData::WORKER_CRASHED,
                   "the actor's worker process died: " + reason);
    }
  }
}

void GcsActorManager::OnJobFinished(const JobID& job_id) {
  std::vector<ActorID> owned = OwnedActors(
      [&](const ActorTableData& d) { return d.job_id() == job_id.Binary(); });
  for (const ActorID& actor_id : owned) {
    MarkDead(actors_.at(actor_id), ActorTableData::OWNER_DIED,
             std::string(kOwnerDiedMessage) + " (job " + std::to_string(job_id.ToInt()) +
                 " finished)");
  }
}

void GcsActorManager::OnNodeDead(const NodeID& node_id, const std::string& reason) {
  std::string message = "the actor's node died (" + reason + ")";
  // Attempts whose worker was on the node; their leases died with the raylet.
  std::vector<ActorID> lost = scheduler_->OnNodeDead(node_id);
  for (const auto& [actor_id, actor] : actors_) {
    if (actor.lease && actor.lease->worker_address.node_id() == node_id.Binary()) {
      lost.push_back(actor_id);
    }
  }
  std::vector<ActorID> owned = OwnedActors([&](const ActorTableData& d) {
    return d.owner_address().node_id() == node_id.Binary();
  });
  for (const ActorID& actor_id : owned) {
    // Returning a lease held on the dead node itself just fails quietly.
    MarkDead(actors_.at(actor_id), ActorTableData::OWNER_DIED,
             std::string(kOwnerDiedMessage) + " (its node died)");
  }
  for (const ActorID& actor_id : lost) {
    Actor& actor = actors_.at(actor_id);
    if (actor.data.state() == ActorTableData::DEAD) continue;
    RestartOrDie(actor, ActorTableData::NODE_DIED, message, /*return_lease=*/false);
  }
}

void GcsActorManager::OnActorCreationReplied(const ActorID& actor_id, const ActorLease& lease,
                                             const rpc::PushTaskReply& reply) {
  Actor* actor = Find(actor_id);
  if (actor == nullptr || actor->data.state() == ActorTableData::DEAD) {
    scheduler_->ReturnLease(lease, /*disconnect_worker=*/true);
    return;
  }
  if (reply.is_application_error()) {
    if (reply.returns_size() > 0) *actor->data.mutable_creation_error() = reply.returns(0).value();
    scheduler_->ReturnLease(lease, /*disconnect_worker=*/true);
    MarkDead(*actor, ActorTableData::CREATION_FAILED, kConstructorRaisedMessage);
    return;
  }
  actor->lease = lease;
  actor_of_worker_[lease.worker_id()] = actor_id;
  ActorTableData& data = actor->data;
  data.set_state(ActorTableData::ALIVE);
  *data.mutable_address() = lease.worker_address;
  data.set_node_id(lease.worker_address.node_id());
  data.set_pid(lease.worker_pid);
  data.set_lease_id(lease.lease_id);
  COLONY_LOG(INFO) << Describe(data) << " is alive on worker " << lease.worker_id().Hex()
                   << " pid " << lease.worker_pid << " at "
                   << rpc::AddressToString(lease.worker_address);
  Commit(*actor);
}

void GcsActorManager::OnActorWorkerFailed(const ActorID& actor_id, const std::string& message) {
  Actor* actor = Find(actor_id);
  if (actor == nullptr || actor->data.state() == ActorTableData::DEAD) return;
  RestartOrDie(*actor, ActorTableData::WORKER_CRASHED, message);
}

void GcsActorManager::OnActorUnschedulable(const ActorID& actor_id, const std::string& message) {
  Actor* actor = Find(actor_id);
  if (actor == nullptr || actor->data.state() == ActorTableData::DEAD) return;
  MarkDead(*actor, ActorTableData::CREATION_FAILED, "the actor cannot be scheduled: " + message);
}

void GcsActorManager::ReleaseWorker(Actor& actor, bool return_lease) {
  scheduler_->Cancel(ActorID::FromBinary(actor.data.actor_id()));
  if (!actor.lease) return;
  actor_of_worker_.erase(actor.lease->worker_id());
  if (return_lease) scheduler_->ReturnLease(*actor.lease, /*disconnect_worker=*/true);
  actor.lease.reset();
}

void GcsActorManager::RestartOrDie(Actor& actor, ActorTableData::DeathCause cause,
                                   const std::string& message, bool return_lease) {
  if (actor.ending) {  // it was asked to end: this is that end, whatever the cause
    MarkDead(actor, *actor.ending, EndingMessage(*actor.ending), return_lease);
    return;
  }
  ReleaseWorker(actor, return_lease);
  ActorTableData& data = actor.data;
  bool restarts_left = data.max_restarts() == -1 || data.num_restarts() < data.max_restarts();
  if (!restarts_left) {
    MarkDead(actor, cause, message, return_lease);
    return;
  }
  data.set_state(ActorTableData::RESTARTING);
  data.set_num_restarts(data.num_restarts() + 1);
  ClearPlacement(&data);
  COLONY_LOG(INFO) << "restarting " << Describe(data) << " (restart " << data.num_restarts()
                   << " of "
                   << (data.max_restarts() == -1 ? std::string("unlimited")
                                                 : std::to_string(data.max_restarts()))
                   << "): " << message;
  Commit(actor);
  scheduler_->Schedule(data);
}

void GcsActorManager::MarkDead(Actor& actor, ActorTableData::DeathCause cause,
                               const std::string& message, bool return_lease) {
  ReleaseWorker(actor, return_lease);
  ActorTableData& data = actor.data;
  data.set_state(ActorTableData::DEAD);
  data.set_death_cause(cause);
  data.set_death_message(message);
  ClearPlacement(&data);
  auto named = named_.find({data.namespace_(), data.name()});
  if (named != named_.end() && named->second.Binary() == data.actor_id()) named_.erase(named);
  COLONY_LOG(INFO) << Describe(data) << " is dead: " << message;
  Commit(actor);
}

template <typename Pred>
std::vector<ActorID> GcsActorManager::OwnedActors(Pred owned) const {
  std::vector<ActorID> ids;
  for (const auto& [actor_id, actor] : actors_) {
    const ActorTableData& d = actor.data;
    if (d.state() != ActorTableData::DEAD && !d.detached() && owned(d)) ids.push_back(actor_id);
  }
  return ids;
}

// ---------------------------------------------------------------- table and polls

GcsActorManager::Actor* GcsActorManager::Find(const ActorID& actor_id) {
  auto it = actors_.find(actor_id);
  return it == actors_.end() ? nullptr : &it->second;
}

const rpc::ActorTableData* GcsActorManager::GetActor(const ActorID& actor_id) const {
  auto it = actors_.find(actor_id);
  return it == actors_.end() ? nullptr : &it->second.data;
}

std::vector<ActorID> GcsActorManager::ActorsInPlacementGroup(const std::string& pg_id) const {
  std::vector<ActorID> found;
  for (const auto& [actor_id, actor] : actors_) {
    if (actor.data.state() != rpc::ActorTableData::DEAD &&
        actor.data.creation_task().scheduling_strategy().placement_group_id() == pg_id) {
      found.push_back(actor_id);
    }
  }
  return found;
}

void GcsActorManager::Commit(Actor& actor) {
  actor.data.set_version(actor.data.version() + 1);
  Persist(actor);  // its polls are answered once the write is stored
}

void GcsActorManager::Persist(Actor& actor) {
  if (actor.notified_state != actor.data.state() && !state_listeners_.empty()) {
    actor.notified_state = actor.data.state();
    rpc::ActorTableData view = View(actor.data);
    for (const auto& listener : state_listeners_) listener(view);
  }
  actor.pending_writes++;
  ActorID actor_id = ActorID::FromBinary(actor.data.actor_id());
  storage_->actors().Put(actor.data.actor_id(), actor.data, [this, actor_id](Status status) {
    Actor* stored = Find(actor_id);
    if (stored == nullptr) return;
    if (!status.ok()) {
      // The in-memory record stays authoritative for this GCS's life; only a reload loses it.
      COLONY_LOG(ERROR) << "cannot store " << Describe(stored->data) << ": "
                        << status.ToString();
    }
    if (--stored->pending_writes > 0) return;
    std::vector<std::function<void()>> waiting = std::move(stored->after_writes);
    stored->after_writes.clear();
    for (auto& fn : waiting) fn();
    // Polls held while the record was ahead of the store see it now.
    AnswerPolls(actor_id);
  });
}

void GcsActorManager::WhenStored(Actor& actor, std::function<void()> fn) {
  if (actor.pending_writes == 0) {
    fn();
  } else {
    actor.after_writes.push_back(std::move(fn));
  }
}

void GcsActorManager::AnswerPolls(const ActorID& actor_id) {
  auto it = held_polls_.find(actor_id);
  if (it == held_polls_.end()) return;
  std::map<uint64_t, HeldPoll> polls = std::move(it->second);
  held_polls_.erase(it);
  rpc::ActorTableData view = View(actors_.at(actor_id).data);
  for (auto& [poll_id, poll] : polls) {
    *poll.reply->mutable_actor() = view;
    poll.send_reply(Status::OK());
  }
}

void GcsActorManager::OnPollTimeout(const ActorID& actor_id, uint64_t poll_id) {
  auto it = held_polls_.find(actor_id);
  if (it == held_polls_.end()) return;
  auto poll = it->second.find(poll_id);
  if (poll == it->second.end()) return;
  HeldPoll held = std::move(poll->second);
  it->second.erase(poll);
  if (it->second.empty()) held_polls_.erase(it);
  *held.reply->mutable_actor() = View(actors_.at(actor_id).data);
  held.send_reply(Status::OK());
}

void GcsActorManager::Shutdown() {
  shut_down_ = true;
  std::vector<ActorID> ids;
  for (const auto& [actor_id, polls] : held_polls_) ids.push_back(actor_id);
  for (const ActorID& actor_id : ids) AnswerPolls(actor_id);
}

size_t GcsActorManager::num_held_polls() const {
  size_t n = 0;
  for (const auto& [actor_id, polls] : held_polls_) n += polls.size();
  return n;
}

rpc::ActorTableData GcsActorManager::View(const rpc::ActorTableData& data) {
  rpc::ActorTableData view = data;
  // Arguments can be large and no reader needs them; the rest of the spec (options,
  // function descriptor) is what a handle holder builds its handle from.
  view.mutable_creation_task()->clear_args();
  view.mutable_creation_task()->clear_kwarg_names();
  return view;
}

}  // namespace colony::gcs
