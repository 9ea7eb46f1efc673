// Seam: how the submitters reach the workers that run their tasks (PushTask, CancelTask).
// TaskPusher (core_worker/task_pusher.h) is the real one: the local channel to workers on
// this host, gRPC otherwise. Tests use a fake that keeps pushes until the test answers them.
#pragma once

#include <functional>

#include "common/id.h"
#include "common/status.h"
#include "common.pb.h"
#include "core_worker.pb.h"

namespace colony {

class TaskTransport {
 public:
  using PushCallback = std::function<void(Status, rpc::PushTaskReply&&)>;

  virtual ~TaskTransport() = default;
  // Sends the task to `worker`. `done` gets the call's status and, when it is OK, the
  // worker's reply; it runs on any thread but the calling one (never inside Push).
  virtual void Push(const rpc::Address& worker, rpc::PushTaskRequest request,
                    PushCallback done) = 0;
  // Asks the worker to skip or interrupt the task (force: to exit), and with `recursive` to
  // cancel the tasks it submitted first; no answer expected.
  virtual void Cancel(const rpc::Address& worker, const TaskID& task_id, bool force,
                      bool recursive) = 0;
};

}  // namespace colony
