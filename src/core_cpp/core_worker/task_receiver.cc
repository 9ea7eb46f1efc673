#include "core_worker/task_receiver.h"

#include <unistd.h>

#include <algorithm>

#include "common/logging.h"

namespace colony {

TaskReceiver::~TaskReceiver() {
  Stop();
  for (auto& t : extra_threads_) {
    if (t.joinable()) t.join();
  }
}

void TaskReceiver::HandlePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                                  rpc::SendReply send) {
  Pending pending{&request.task(), reply, std::move(send)};
  bool actor_call = request.task().type() == rpc::ACTOR_TASK;
  bool skip;
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    skip = request.cancelled() || cancelled_.erase(TaskID::FromBinary(request.task().task_id()));
    if (actor_call) {
      CallerQueue& caller = callers_[request.task().caller_handle_id()];
      AdvanceTo(&caller, request.client_processed_up_to());
      int64_t seq = request.task().sequence_number();
      if (skip) {
        if (seq >= caller.next_seq) caller.skipped.insert(seq);
      } else if (seq < caller.next_seq) {
        queue_.push_back(std::move(pending));  // a resend of a call whose turn has passed
      } else {
        caller.waiting.emplace(seq, std::move(pending));
      }
      ReleaseInOrder(&caller);
    } else if (!skip) {
      queue_.push_back(std::move(pending));
    }
    wake = wake_async_;
  }
  if (skip) SendCancelled(&pending);
  if (wake) {
    wake();
  } else {
    cv_.notify_all();
  }
}

// Calls may arrive in any order (and over two routes); a caller's calls run in its order.
// A restarted actor starts from client_processed_up_to: everything below it is done.
void TaskReceiver::AdvanceTo(CallerQueue* caller, int64_t processed_up_to) {
  if (processed_up_to <= caller->next_seq) return;
  caller->next_seq = processed_up_to;
  caller->skipped.erase(caller->skipped.begin(), caller->skipped.lower_bound(processed_up_to));
}

void TaskReceiver::ReleaseInOrder(CallerQueue* caller) {
  while (true) {
    auto head = caller->waiting.begin();
    if (head != caller->waiting.end() && head->first <= caller->next_seq) {
      if (head->first == caller->next_seq) caller->next_seq++;
      queue_.push_back(std::move(head->second));
      caller->waiting.erase(head);
    } else if (caller->skipped.erase(caller->next_seq)) {
      caller->next_seq++;  // a cancelled call's turn
    } else {
      return;
    }
  }
}

void TaskReceiver::SendCancelled(Pending* pending) {
  pending->reply->set_cancelled(true);
  pending->send(Status::OK());
}

bool TaskReceiver::TakeQueued(const TaskID& task_id, Pending* out) {
  const std::string& id = task_id.Binary();
  for (auto it = queue_.begin(); it != queue_.end(); ++it) {
    if (it->spec->task_id() != id) continue;
    *out = std::move(*it);
    queue_.erase(it);
    return true;
  }
  for (auto& [handle, caller] : callers_) {
    for (auto it = caller.waiting.begin(); it != caller.waiting.end(); ++it) {
      if (it->second.spec->task_id() != id) continue;
      *out = std::move(it->second);
      caller.skipped.insert(it->first);  // its turn passes without it
      caller.waiting.erase(it);
      return true;
    }
  }
  return false;
}

bool TaskReceiver::Cancel(const TaskID& task_id, bool force) {
  Pending queued;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(task_id);
    if (it == running_.end()) {
      if (!TakeQueued(task_id, &queued)) {
        // Not here yet (a push and its cancel may take different routes): skipped on arrival.
        cancelled_.insert(task_id);
        return true;
      }
    } else if (it->second && !wake_async_) {
      // A sync actor's running call runs on: stopping it midway would leave the actor's
      // state half-changed (Ray does the same). An async actor's coroutine is cancelled.
      return false;
    }
  }
  if (queued.send) {
    SendCancelled(&queued);
    return true;
  }
  if (force) {
    COLONY_LOG(INFO) << "force-cancelling task " << task_id.Hex() << ": exiting";
    _exit(1);
  }
  interrupt_(task_id);
  return true;
}

void TaskReceiver::RunLoop() {
  while (true) {
    Pending next;
    TaskID id;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopped_ || (!wake_async_ && !queue_.empty()); });
      if (stopped_) return;
      next = std::move(queue_.front());
      queue_.pop_front();
      id = TaskID::FromBinary(next.spec->task_id());
      running_.emplace(id, next.spec->type() == rpc::ACTOR_TASK);
    }
    execute_(*next.spec, next.reply);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_.erase(id);
    }
    next.send(Status::OK());
  }
}

void TaskReceiver::SetConcurrency(int concurrency) {
  std::lock_guard<std::mutex> lock(mu_);
  while (static_cast<int>(extra_threads_.size()) + 1 < concurrency) {
    extra_threads_.emplace_back([this]() { RunLoop(); });
  }
}

void TaskReceiver::SetAsync(int concurrency, std::function<void()> wake) {
  bool queued;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_async_ = wake;
    async_concurrency_ = std::max(1, concurrency);
    queued = !queue_.empty();
  }
  if (queued) wake();
}

bool TaskReceiver::TakeAsync(Pending* out) {
  while (true) {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_ || !wake_async_ || queue_.empty() || async_running_ >= async_concurrency_) {
      return false;
    }
    Pending next = std::move(queue_.front());
    queue_.pop_front();
    TaskID id = TaskID::FromBinary(next.spec->task_id());
    running_.emplace(id, next.spec->type() == rpc::ACTOR_TASK);
    async_running_++;
    *out = std::move(next);
    return true;
  }
}

void TaskReceiver::FinishAsync(Pending pending) {
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(TaskID::FromBinary(pending.spec->task_id()));
    async_running_--;
    if (!queue_.empty()) wake = wake_async_;
  }
  pending.send(Status::OK());
  if (wake) wake();
}

void TaskReceiver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

}  // namespace colony
