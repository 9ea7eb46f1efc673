// The executing side: PushTask calls queue here and the language runtime runs them through
// the executor callback on the thread(s) in RunLoop. An actor's calls from one caller run in
// that caller's sequence order; an actor with max_concurrency > 1 runs calls on that many
// threads (order is then only the dispatch order, as in Ray's threaded actors).
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

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
  ~TaskReceiver();

  void HandlePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                      rpc::SendReply send);
  // True if the task was queued or running here.
  bool Cancel(const TaskID& task_id, bool force);
  // Executes tasks on the calling thread until Stop().
  void RunLoop();
  // Adds threads so that `concurrency` tasks run at once (an actor's max_concurrency).
  void SetConcurrency(int concurrency);
  void Stop();

 private:
  struct Pending {
    const rpc::TaskSpec* spec;
    rpc::PushTaskReply* reply;
    rpc::SendReply send;
  };
  // Per calling handle: calls that arrived ahead of their turn wait here.
  struct CallerQueue {
    int64_t next_seq = 0;
    std::map<int64_t, Pending> waiting;
  };
  void EnqueueInCallerOrder(const rpc::PushTaskRequest& request, Pending pending);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Pending> queue_;
  std::unordered_map<std::string, CallerQueue> callers_;
  std::unordered_set<TaskID> cancelled_;
  std::unordered_set<TaskID> running_;
  std::vector<std::thread> extra_threads_;
  bool stopped_ = false;
  Execute execute_;
  Interrupt interrupt_;
};

}  // namespace colony
