// Sends tasks to workers: PushTask over the local channel (rpc/local_rpc.h) when the worker
// runs on this host, over gRPC when it does not or when its local connection has closed;
// CancelTask (rare) over gRPC. Both submitters (normal tasks and actor calls) use it, as
// their TaskTransport.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "common/id.h"
#include "core_worker.grpc.pb.h"
#include "core_worker/client_pool.h"
#include "core_worker/task_transport.h"
#include "rpc/local_rpc.h"

namespace colony {

class TaskPusher : public TaskTransport {
 public:
  using Callback = PushCallback;

  // `local` may be null (gRPC only).
  TaskPusher(ClientPool<rpc::CoreWorkerService>* grpc_clients, rpc::LocalRpc* local,
             std::string token)
      : grpc_clients_(grpc_clients), local_(local), token_(std::move(token)) {}

  // `done` runs on a gRPC or local-rpc thread, never on the calling one.
  void Push(const rpc::Address& worker, rpc::PushTaskRequest request, Callback done) override;
  void Cancel(const rpc::Address& worker, const TaskID& task_id, bool force,
              bool recursive) override;

 private:
  // The open local connection to `worker_id`, or null if it is not on this host.
  std::shared_ptr<rpc::LocalClient> LocalClientFor(const std::string& worker_id);
  void PushOverGrpc(const rpc::Address& worker, rpc::PushTaskRequest request, Callback done);

  ClientPool<rpc::CoreWorkerService>* grpc_clients_;
  rpc::LocalRpc* local_;
  std::string token_;
  std::mutex mu_;
  // By worker id; null once a connection was refused (the worker is on another host).
  std::unordered_map<std::string, std::shared_ptr<rpc::LocalClient>> local_clients_;
};

}  // namespace colony
