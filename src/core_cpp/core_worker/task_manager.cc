#include "core_worker/task_manager.h"

#include <cstdlib>
#include <string>

#include "common/logging.h"

namespace colony {

std::string ErrorMetadata(rpc::ErrorType type) {
  return std::string(kErrorMetadataPrefix) + std::to_string(static_cast<int>(type));
}

ObjectValuePtr MakeErrorValue(rpc::ErrorType type, const std::string& message) {
  auto value = std::make_shared<rpc::ObjectValue>();
  value->set_metadata(ErrorMetadata(type));
  value->set_data(message);
  return value;
}

namespace {
// A copy of `spec` for its next attempt.
TaskSpecPtr NextAttempt(const rpc::TaskSpec& spec) {
  auto next = std::make_shared<rpc::TaskSpec>(spec);
  next->set_attempt_number(spec.attempt_number() + 1);
  return next;
}
}  // namespace

void TaskManager::AddPendingTask(TaskSpecPtr spec, std::vector<ObjectID> arg_refs) {
  if (events_) events_->RecordSubmitted(*spec);
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = pending_[TaskID::FromBinary(spec->task_id())];
  e.retries_left = spec->max_retries() < 0 ? -1 : spec->max_retries();
  e.spec = std::move(spec);
  e.arg_refs = std::move(arg_refs);
}

void TaskManager::MarkPushed(const TaskID& id, const rpc::Address& worker) {
  if (!events_) return;
  TaskSpecPtr spec;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    it->second.worker = worker;
    spec = it->second.spec;
  }
  events_->RecordLeased(*spec, worker);
}

namespace {
// An error value's text when it is readable (the runtime's own messages); an exception
// pickled by a language runtime is not.
std::string ReadableMessage(const std::string& data) {
  for (unsigned char c : data) {
    if (c < 0x20 && c != '\n' && c != '\t') return "";
  }
  return data.size() > 2000 ? data.substr(0, 2000) + "..." : data;
}

std::string ErrorTypeName(const std::string& metadata) {
  size_t prefix = std::char_traits<char>::length(kErrorMetadataPrefix);
  if (metadata.compare(0, prefix, kErrorMetadataPrefix) != 0) return "";
  int type = std::atoi(metadata.c_str() + prefix);
  return rpc::ErrorType_IsValid(type) ? rpc::ErrorType_Name(static_cast<rpc::ErrorType>(type))
                                      : "ERROR_" + std::to_string(type);
}
}  // namespace

void TaskManager::RecordFinished(const Entry& entry, const rpc::PushTaskReply& reply) {
  if (!events_) return;
  const rpc::Address* worker = entry.worker.worker_id().empty() ? nullptr : &entry.worker;
  if (!reply.is_application_error()) {
    events_->RecordState(*entry.spec, "FINISHED");
    return;
  }
  std::string message;
  for (const auto& ret : reply.returns()) {
    message = ReadableMessage(ret.value().data());
    if (!message.empty()) break;
  }
  events_->RecordFailed(*entry.spec, worker, "TASK_EXECUTION_EXCEPTION",
                        message.empty() ? "the task raised an exception" : message);
}

void TaskManager::RecordFailedValue(const Entry& entry, const rpc::ObjectValue& error) {
  if (!events_) return;
  const rpc::Address* worker = entry.worker.worker_id().empty() ? nullptr : &entry.worker;
  events_->RecordFailed(*entry.spec, worker, ErrorTypeName(error.metadata()),
                        ReadableMessage(error.data()));
}

size_t TaskManager::NumPending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.size();
}

void TaskManager::MarkCancelled(const TaskID& id) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(id);
  if (it != pending_.end()) it->second.cancelled = true;
}

bool TaskManager::IsCancelled(const TaskID& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(id);
  return it != pending_.end() && it->second.cancelled;
}

bool TaskManager::TakeRetry(const TaskID& id, TaskSpecPtr* spec, const std::string& error_type,
                            const std::string& message) {
  TaskSpecPtr failed;
  rpc::Address worker;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end() || it->second.cancelled || it->second.retries_left == 0) return false;
    if (it->second.retries_left > 0) it->second.retries_left--;
    failed = it->second.spec;
    worker = std::move(it->second.worker);
    it->second.worker.Clear();
    it->second.spec = NextAttempt(*it->second.spec);
    *spec = it->second.spec;
  }
  if (events_) {
    events_->RecordFailed(*failed, worker.worker_id().empty() ? nullptr : &worker, error_type,
                          message);
    events_->RecordSubmitted(**spec);
  }
  return true;
}

TaskSpecPtr TaskManager::PendingSpec(const TaskID& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(id);
  return it == pending_.end() ? nullptr : it->second.spec;
}

std::vector<TaskSpecPtr> TaskManager::PendingChildren(const TaskID& parent) const {
  std::vector<TaskSpecPtr> children;
  const std::string& id = parent.Binary();
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [task_id, entry] : pending_) {
    if (entry.spec->parent_task_id() == id) children.push_back(entry.spec);
  }
  return children;
}

void TaskManager::CompleteTask(const TaskID& id, const rpc::PushTaskReply& reply) {
  if (reply.cancelled() || IsCancelled(id)) {
    FailTask(id, rpc::TASK_CANCELLED, "task " + id.Hex() + " was cancelled");
    return;
  }
  TaskSpecPtr retry;
  if (reply.is_application_error() && reply.is_retryable_error() &&
      TakeRetry(id, &retry, "TASK_EXECUTION_EXCEPTION",
                "the task raised an exception (retry_exceptions)")) {
    COLONY_LOG(INFO) << "retrying task " << retry->name() << " after an application error (attempt "
                     << retry->attempt_number() << ")";
    resubmit_(retry);
    return;
  }
  Finish(id, [this, &reply](const Entry& entry) {
    RecordFinished(entry, reply);
    for (const auto& ret : reply.returns()) {
      ObjectID return_id = ObjectID::FromBinary(ret.object_id());
      // The executor counted us as the borrower of refs inside the value.
      refs_->AddContainedRefs(return_id, ret.value().nested_refs());
      if (!refs_->IsTracked(return_id)) {
        drop_(return_id, ret.value());
        continue;
      }
      store_->Put(return_id, std::make_shared<rpc::ObjectValue>(ret.value()));
    }
  }, &reply);
}

bool TaskManager::KeepLineage(const Entry& entry, const rpc::PushTaskReply& reply) {
  if (entry.spec->type() != rpc::NORMAL_TASK || entry.retries_left == 0) return false;
  int in_plasma = 0;
  for (const auto& ret : reply.returns()) in_plasma += ret.value().in_plasma() ? 1 : 0;
  if (in_plasma == 0) return false;
  Lineage& lineage = lineage_[TaskID::FromBinary(entry.spec->task_id())];
  lineage.spec = entry.spec;
  lineage.arg_refs = entry.arg_refs;
  lineage.retries_left = entry.retries_left;
  lineage.live_returns = reply.returns_size();
  return true;
}

bool TaskManager::Reconstruct(const ObjectID& id, std::string* why) {
  TaskID task_id = id.task_id();
  TaskSpecPtr spec;
  std::vector<ObjectID> arg_refs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (pending_.count(task_id)) return true;  // already running again
    auto it = lineage_.find(task_id);
    if (it == lineage_.end()) {
      *why = "its task's lineage is not kept (a put, an actor call, or max_retries=0)";
      return false;
    }
    Lineage& lineage = it->second;
    if (lineage.retries_left == 0) {
      *why = "task " + lineage.spec->name() + " has no retries left (max_retries)";
      return false;
    }
    if (lineage.retries_left > 0) lineage.retries_left--;
    lineage.spec = NextAttempt(*lineage.spec);
    spec = lineage.spec;
    Entry& e = pending_[task_id];
    e.spec = spec;
    e.arg_refs = lineage.arg_refs;
    e.retries_left = lineage.retries_left;
    arg_refs = lineage.arg_refs;
  }
  refs_->AddSubmittedTaskRefs(arg_refs);  // the re-run's own hold, released when it ends
  for (int i = 1; i <= spec->num_returns(); i++) store_->Delete(ObjectID::ForReturn(task_id, i));
  if (events_) events_->RecordSubmitted(*spec);
  COLONY_LOG(INFO) << "reconstructing object " << id.Hex() << " by re-running task "
                   << spec->name() << " (attempt " << spec->attempt_number() << ")";
  resubmit_(spec);
  return true;
}

void TaskManager::OnReturnFreed(const ObjectID& id) {
  std::vector<ObjectID> release;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = lineage_.find(id.task_id());
    if (it == lineage_.end() || --it->second.live_returns > 0) return;
    release = std::move(it->second.arg_refs);
    lineage_.erase(it);
  }
  refs_->RemoveSubmittedTaskRefs(release);
}

void TaskManager::FailOrRetryTask(const TaskID& id, rpc::ErrorType type, const std::string& message) {
  TaskSpecPtr retry;
  if (TakeRetry(id, &retry, rpc::ErrorType_Name(type), message)) {
    COLONY_LOG(INFO) << "retrying task " << retry->name() << " (attempt " << retry->attempt_number()
                     << "): " << message;
    resubmit_(retry);
    return;
  }
  if (IsCancelled(id)) type = rpc::TASK_CANCELLED;
  FailTask(id, type, message);
}

void TaskManager::FailTask(const TaskID& id, rpc::ErrorType type, const std::string& message) {
  FailTaskWithValue(id, MakeErrorValue(type, message));
}

void TaskManager::RemovePendingTask(const TaskID& id) {
  Finish(id, [](const Entry&) {});
}

void TaskManager::FailTaskWithValue(const TaskID& id, ObjectValuePtr error) {
  Finish(id, [this, &error](const Entry& e) {
    RecordFailedValue(e, *error);
    for (int i = 1; i <= e.spec->num_returns(); i++) {
      StoreReturn(ObjectID::ForReturn(TaskID::FromBinary(e.spec->task_id()), i), error);
    }
  });
}

void TaskManager::Finish(const TaskID& id, const std::function<void(const Entry&)>& store_returns,
                         const rpc::PushTaskReply* reply) {
  Entry entry;
  bool refs_moved_to_lineage = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    entry = std::move(it->second);
    pending_.erase(it);
    // A reconstruction's run finds its lineage already kept (with its own arg refs).
    if (reply != nullptr && lineage_.count(id) == 0) {
      refs_moved_to_lineage = KeepLineage(entry, *reply);
    }
  }
  store_returns(entry);
  if (!refs_moved_to_lineage) refs_->RemoveSubmittedTaskRefs(entry.arg_refs);
}

void TaskManager::StoreReturn(const ObjectID& id, ObjectValuePtr value) {
  // A return whose every ref was dropped before it arrived is not worth keeping.
  if (refs_->IsTracked(id)) store_->Put(id, std::move(value));
}

}  // namespace colony
