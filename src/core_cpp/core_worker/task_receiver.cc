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
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (request.task().type() == rpc::ACTOR_TASK) {
      EnqueueInCallerOrder(request, std::move(pending));
    } else {
      queue_.push_back(std::move(pending));
    }
    wake = wake_async_;
  }
  if (wake) {
    wake();
  } else {
    cv_.notify_all();
  }
}

// gRPC may hand concurrent calls over in any order; a caller's calls run in its order.
// A restarted actor starts from client_processed_up_to: everything below it is done.
void TaskReceiver::EnqueueInCallerOrder(const rpc::PushTaskRequest& request, Pending pending) {
  CallerQueue& caller = callers_[request.task().caller_handle_id()];
  caller.next_seq = std::max(caller.next_seq, request.client_processed_up_to());
  int64_t seq = request.task().sequence_number();
  if (seq < caller.next_seq) {
    queue_.push_back(std::move(pending));  // a resend of a call whose turn has passed
    return;
  }
  caller.waiting.emplace(seq, std::move(pending));
  while (!caller.waiting.empty() && caller.waiting.begin()->first <= caller.next_seq) {
    queue_.push_back(std::move(caller.waiting.begin()->second));
    caller.waiting.erase(caller.waiting.begin());
    caller.next_seq++;
  }
}

bool TaskReceiver::Cancel(const TaskID& task_id, bool force) {
  bool running;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running = running_.count(task_id) > 0;
    if (!running) {
      for (const auto& p : queue_) {
        if (p.spec->task_id() == task_id.Binary()) {
          cancelled_.insert(task_id);
          return true;
        }
      }
      return false;
    }
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
      if (cancelled_.erase(id)) {
        next.reply->set_is_application_error(true);
        next.send(Status::OK());
        continue;
      }
      running_.insert(id);
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
    if (cancelled_.erase(id)) {
      next.reply->set_is_application_error(true);
      next.send(Status::OK());
      continue;
    }
    running_.insert(id);
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
