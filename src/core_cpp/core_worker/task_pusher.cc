#include "core_worker/task_pusher.h"

namespace colony {

void TaskPusher::Push(const rpc::Address& worker, rpc::PushTaskRequest request, Callback done) {
  if (auto client = LocalClientFor(worker.worker_id())) {
    auto on_reply = [done](Status status, std::string_view body) {
      rpc::PushTaskReply reply;
      if (status.ok() && !reply.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
        status = Status::Internal("a worker sent an unparsable PushTask reply");
      }
      done(status, std::move(reply));
    };
    if (client->Call(rpc::LocalMethod::kPushTask, request, std::move(on_reply))) return;
    std::lock_guard<std::mutex> lock(mu_);
    local_clients_.erase(worker.worker_id());  // closed: gRPC reports what became of it
  }
  PushOverGrpc(worker, std::move(request), std::move(done));
}

std::shared_ptr<rpc::LocalClient> TaskPusher::LocalClientFor(const std::string& worker_id) {
  if (local_ == nullptr || worker_id.empty()) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  auto it = local_clients_.find(worker_id);
  if (it != local_clients_.end()) return it->second;
  auto client = local_->Connect(rpc::LocalWorkerSocketName(worker_id));
  local_clients_[worker_id] = client;
  return client;
}

void TaskPusher::Cancel(const rpc::Address& worker, const TaskID& task_id, bool force,
                        bool recursive) {
  rpc::CancelTaskRequest request;
  request.set_task_id(task_id.Binary());
  request.set_force(force);
  request.set_recursive(recursive);
  auto* stub = grpc_clients_->Get(rpc::AddressToString(worker));
  rpc::CallUnary<rpc::CancelTaskRequest, rpc::CancelTaskReply>(
      token_, 10000, std::move(request),
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->CancelTask(ctx, req, reply, std::move(done));
      },
      [](Status, rpc::CancelTaskReply&&) {});
}

void TaskPusher::PushOverGrpc(const rpc::Address& worker, rpc::PushTaskRequest request,
                              Callback done) {
  auto* stub = grpc_clients_->Get(rpc::AddressToString(worker));
  rpc::CallUnary<rpc::PushTaskRequest, rpc::PushTaskReply>(
      token_, -1, std::move(request),
      [stub](auto* ctx, auto* req, auto* reply, auto callback) {
        stub->async()->PushTask(ctx, req, reply, std::move(callback));
      },
      std::move(done));
}

}  // namespace colony
