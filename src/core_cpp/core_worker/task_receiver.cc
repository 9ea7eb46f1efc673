#include "core_worker/task_receiver.h"

#include <unistd.h>

#include "common/logging.h"

namespace colony {

void TaskReceiver::HandlePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                                  rpc::SendReply send) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    queue_.push_back({&request.task(), reply, std::move(send)});
  }
  cv_.notify_one();
}

bool TaskReceiver::Cancel(const TaskID& task_id, bool force) {
  std::lock_guard<std::mutex> lock(mu_);
  if (running_ == task_id) {
    if (force) {
      COLONY_LOG(INFO) << "force-cancelling task " << task_id.Hex() << ": exiting";
      _exit(1);
    }
    interrupt_(task_id);
    return true;
  }
  for (const auto& p : queue_) {
    if (p.spec->task_id() == task_id.Binary()) {
      cancelled_.insert(task_id);
      return true;
    }
  }
  return false;
}

void TaskReceiver::RunLoop() {
  while (true) {
    Pending next;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopped_ || !queue_.empty(); });
      if (stopped_) return;
      next = std::move(queue_.front());
      queue_.pop_front();
      TaskID id = TaskID::FromBinary(next.spec->task_id());
      if (cancelled_.erase(id)) {
        next.reply->set_is_application_error(true);
        next.send(Status::OK());
        continue;
      }
      running_ = id;
    }
    execute_(*next.spec, next.reply);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_ = TaskID::Nil();
    }
    next.send(Status::OK());
  }
}

void TaskReceiver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

}  // namespace colony
