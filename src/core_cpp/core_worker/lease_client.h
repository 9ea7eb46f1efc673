// Seam: worker leases from raylets (NodeManagerService.RequestWorkerLease / ReturnWorker),
// as the normal task submitter uses them. GrpcLeaseClient is the real one; tests use a
// fake that keeps requests until the test answers them.
#pragma once

#include <functional>
#include <string>

#include "common/status.h"
#include "core_worker/client_pool.h"
#include "raylet.grpc.pb.h"

namespace colony {

class LeaseClient {
 public:
  using LeaseCallback = std::function<void(Status, rpc::RequestWorkerLeaseReply&&)>;

  virtual ~LeaseClient() = default;
  // Asks the raylet at `raylet_address` ("ip:port") for a lease. `callback` gets the RPC
  // status and, when it is OK, the raylet's reply; it runs on any thread but the caller's.
  virtual void RequestWorkerLease(const std::string& raylet_address,
                                  rpc::RequestWorkerLeaseRequest request,
                                  LeaseCallback callback) = 0;
  // Ends a lease; with `disconnect_worker` the raylet kills the worker. Fire and forget:
  // a lease the raylet no longer knows already ended with its worker.
  virtual void ReturnWorker(const std::string& raylet_address, const std::string& lease_id,
                            bool disconnect_worker) = 0;
  // Why a worker of the raylet at `raylet_address` died (the raylet waits a little for
  // an exit it has not seen yet). The default knows nothing: found=false at once.
  using FailureCauseCallback = std::function<void(Status, rpc::GetWorkerFailureCauseReply&&)>;
  virtual void GetWorkerFailureCause(const std::string& raylet_address,
                                     const std::string& worker_id,
                                     FailureCauseCallback callback) {
    callback(Status::OK(), rpc::GetWorkerFailureCauseReply());
  }
};

// Over gRPC, with the process's shared pool of raylet stubs. Callbacks run on gRPC threads.
class GrpcLeaseClient : public LeaseClient {
 public:
  GrpcLeaseClient(ClientPool<rpc::NodeManagerService>* raylets, std::string token)
      : raylets_(raylets), token_(std::move(token)) {}

  void RequestWorkerLease(const std::string& raylet_address,
                          rpc::RequestWorkerLeaseRequest request,
                          LeaseCallback callback) override;
  void ReturnWorker(const std::string& raylet_address, const std::string& lease_id,
                    bool disconnect_worker) override;
  void GetWorkerFailureCause(const std::string& raylet_address, const std::string& worker_id,
                             FailureCauseCallback callback) override;

 private:
  ClientPool<rpc::NodeManagerService>* raylets_;
  std::string token_;
};

}  // namespace colony
