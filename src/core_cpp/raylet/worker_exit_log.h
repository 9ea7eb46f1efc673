// Remembers why this node's recent workers exited, so the owner of a task whose worker
// died can ask (GetWorkerFailureCause) and fail the task with the right error: a worker
// the kernel killed over its memory limit fails its task with OutOfMemoryError, not a
// plain WorkerCrashedError. The owner usually learns of the death (its push fails) before
// this raylet reaps the process, so a question about a worker not yet known waits for a
// while for its exit.
//
// Runs on the raylet's event loop.
#pragma once

#include <cstdint>
#include <deque>
#include <unordered_map>
#include <vector>

#include "common/event_loop.h"
#include "common/id.h"
#include "raylet.pb.h"
#include "raylet/worker_pool.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {

class WorkerExitLog {
 public:
  // `wait_ms`: how long a question about an unknown worker waits for its exit.
  WorkerExitLog(EventLoop* loop, int64_t wait_ms = 2000, size_t capacity = 4096)
      : loop_(loop), wait_ms_(wait_ms), capacity_(capacity) {}

  void Record(const WorkerExit& exit);
  void HandleGetWorkerFailureCause(const rpc::GetWorkerFailureCauseRequest& request,
                                   rpc::GetWorkerFailureCauseReply* reply,
                                   rpc::SendReply send_reply);
  // Answers the questions still waiting ("not found"); the raylet is stopping.
  void Stop();

 private:
  struct Waiter {
    uint64_t id;
    rpc::GetWorkerFailureCauseReply* reply;
    rpc::SendReply send;
  };
  static void Fill(const WorkerExit& exit, rpc::GetWorkerFailureCauseReply* reply);
  void OnWaitTimeout(const WorkerID& worker_id, uint64_t waiter_id);

  EventLoop* loop_;
  int64_t wait_ms_;
  size_t capacity_;
  std::unordered_map<WorkerID, WorkerExit> exits_;
  std::deque<WorkerID> order_;  // oldest first, for the capacity
  std::unordered_map<WorkerID, std::vector<Waiter>> waiters_;
  uint64_t next_waiter_id_ = 1;
};

}  // namespace colony::raylet
