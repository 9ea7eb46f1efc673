#include "core_worker/task_manager.h"

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

void TaskManager::AddPendingTask(const rpc::TaskSpec& spec, std::vector<ObjectID> arg_refs) {
  std::lock_guard<std::mutex> lock(mu_);
  Entry& e = pending_[TaskID::FromBinary(spec.task_id())];
  e.spec = spec;
  e.arg_refs = std::move(arg_refs);
  e.retries_left = spec.max_retries() < 0 ? -1 : spec.max_retries();
}

bool TaskManager::IsPending(const TaskID& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return pending_.count(id) > 0;
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

bool TaskManager::TakeRetry(const TaskID& id, rpc::TaskSpec* spec) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = pending_.find(id);
  if (it == pending_.end() || it->second.cancelled || it->second.retries_left == 0) return false;
  if (it->second.retries_left > 0) it->second.retries_left--;
  it->second.spec.set_attempt_number(it->second.spec.attempt_number() + 1);
  *spec = it->second.spec;
  return true;
}

void TaskManager::CompleteTask(const TaskID& id, const rpc::PushTaskReply& reply) {
  if (IsCancelled(id)) {
    FailTask(id, rpc::TASK_CANCELLED, "task " + id.Hex() + " was cancelled");
    return;
  }
  rpc::TaskSpec retry;
  if (reply.is_application_error() && reply.is_retryable_error() && TakeRetry(id, &retry)) {
    COLONY_LOG(INFO) << "retrying task " << retry.name() << " after an application error (attempt "
                     << retry.attempt_number() << ")";
    resubmit_(retry);
    return;
  }
  Finish(id, [this, &reply](const Entry&) {
    for (const auto& ret : reply.returns()) {
      StoreReturn(ObjectID::FromBinary(ret.object_id()),
                  std::make_shared<rpc::ObjectValue>(ret.value()));
    }
  });
}

void TaskManager::FailOrRetryTask(const TaskID& id, rpc::ErrorType type, const std::string& message) {
  rpc::TaskSpec retry;
  if (TakeRetry(id, &retry)) {
    COLONY_LOG(INFO) << "retrying task " << retry.name() << " (attempt " << retry.attempt_number()
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
    for (int i = 1; i <= e.spec.num_returns(); i++) {
      StoreReturn(ObjectID::ForReturn(TaskID::FromBinary(e.spec.task_id()), i), error);
    }
  });
}

void TaskManager::Finish(const TaskID& id, const std::function<void(const Entry&)>& store_returns) {
  Entry entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(id);
    if (it == pending_.end()) return;
    entry = std::move(it->second);
    pending_.erase(it);
  }
  store_returns(entry);
  refs_->RemoveSubmittedTaskRefs(entry.arg_refs);
}

void TaskManager::StoreReturn(const ObjectID& id, ObjectValuePtr value) {
  // A return whose every ref was dropped before it arrived is not worth keeping.
  if (refs_->IsTracked(id)) store_->Put(id, std::move(value));
}

}  // namespace colony
