// The executing side: PushTask calls queue here and the language runtime's main thread
// runs them one at a time through the executor callback (RunLoop).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <unordered_set>

#include "core_worker.pb.h"
#include "common/id.h"
#include "rpc/grpc_util.h"

namespace colony {

class TaskReceiver {
 public:
  // Runs one task and fills its reply (returns, error flags).
  using Execute = std::function<void(const rpc::TaskSpec&, rpc::PushTaskReply*)>;
  // Asks the language runtime to interrupt the running task.
  using Interrupt = std::function<void(const TaskID&)>;

  TaskReceiver(Execute execute, Interrupt interrupt)
      : execute_(std::move(execute)), interrupt_(std::move(interrupt)) {}

  void HandlePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                      rpc::SendReply send);
  // True if the task was queued or running here.
  bool Cancel(const TaskID& task_id, bool force);
  // Executes tasks on the calling thread until Stop().
  void RunLoop();
  void Stop();

 private:
  struct Pending {
    const rpc::TaskSpec* spec;
    rpc::PushTaskReply* reply;
    rpc::SendReply send;
  };
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  std::unordered_set<TaskID> cancelled_;
  TaskID running_ = TaskID::Nil();
  bool stopped_ = false;
  Execute execute_;
  Interrupt interrupt_;
};

}  // namespace colony
