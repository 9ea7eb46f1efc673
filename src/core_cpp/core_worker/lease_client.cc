#include "core_worker/lease_client.h"

#include "common/logging.h"

namespace colony {

void GrpcLeaseClient::RequestWorkerLease(const std::string& raylet_address,
                                         rpc::RequestWorkerLeaseRequest request,
                                         LeaseCallback callback) {
  auto* stub = raylets_->Get(raylet_address);
  rpc::CallUnary<rpc::RequestWorkerLeaseRequest, rpc::RequestWorkerLeaseReply>(
      token_, -1, std::move(request),
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->RequestWorkerLease(ctx, req, reply, std::move(done));
      },
      std::move(callback));
}

void GrpcLeaseClient::ReturnWorker(const std::string& raylet_address, const std::string& lease_id,
                                   bool disconnect_worker) {
  rpc::ReturnWorkerRequest request;
  request.set_lease_id(lease_id);
  request.set_disconnect_worker(disconnect_worker);
  auto* stub = raylets_->Get(raylet_address);
  rpc::CallUnary<rpc::ReturnWorkerRequest, rpc::ReturnWorkerReply>(
      token_, 10000, std::move(request),
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->ReturnWorker(ctx, req, reply, std::move(done));
      },
      [](Status status, rpc::ReturnWorkerReply&&) {
        if (!status.ok()) COLONY_LOG(DEBUG) << "ReturnWorker failed: " << status.ToString();
      });
}

void GrpcLeaseClient::GetWorkerFailureCause(const std::string& raylet_address,
                                            const std::string& worker_id,
                                            FailureCauseCallback callback) {
  rpc::GetWorkerFailureCauseRequest request;
  request.set_worker_id(worker_id);
  auto* stub = raylets_->Get(raylet_address);
  // A little over the raylet's own wait for the exit; a dead node costs this much delay.
  constexpr int64_t kTimeoutMs = 3000;
  rpc::CallUnary<rpc::GetWorkerFailureCauseRequest, rpc::GetWorkerFailureCauseReply>(
      token_, kTimeoutMs, std::move(request),
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->GetWorkerFailureCause(ctx, req, reply, std::move(done));
      },
      std::move(callback));
}

}  // namespace colony
