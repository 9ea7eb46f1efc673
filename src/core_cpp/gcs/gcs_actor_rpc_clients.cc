#include "gcs/gcs_actor_rpc_clients.h"

#include "common/logging.h"

namespace colony::gcs {
namespace {

constexpr int64_t kReturnWorkerTimeoutMs = 5000;

}  // namespace

LoopCallTracker::~LoopCallTracker() {
  std::unique_lock<std::mutex> lock(mu_);
  canceled_ = true;
  for (auto* ctx : in_flight_) ctx->TryCancel();
  idle_cv_.wait(lock, [this] { return in_flight_.empty(); });
}

bool LoopCallTracker::Track(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  if (canceled_) return false;
  in_flight_.insert(ctx);
  return true;
}

void LoopCallTracker::Untrack(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.erase(ctx);
  if (in_flight_.empty()) idle_cv_.notify_all();
}

rpc::NodeManagerService::Stub* GrpcActorLeaseClient::StubFor(const rpc::Address& raylet) {
  std::string address = rpc::AddressToString(raylet);
  auto& stub = stubs_[address];
  if (!stub) stub = rpc::NodeManagerService::NewStub(rpc::MakeChannel(address));
  return stub.get();
}

void GrpcActorLeaseClient::RequestWorkerLease(const rpc::Address& raylet,
                                              const rpc::RequestWorkerLeaseRequest& request,
                                              LeaseCallback callback) {
  auto* stub = StubFor(raylet);
  // No deadline: the raylet holds the request until resources free up; a dead raylet
  // fails the call, and the GCS re-schedules when the node is declared dead.
  calls_.Call<rpc::RequestWorkerLeaseRequest, rpc::RequestWorkerLeaseReply>(
      request, /*timeout_ms=*/0,
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->RequestWorkerLease(ctx, req, reply, std::move(done));
      },
      std::move(callback));
}

void GrpcActorLeaseClient::ReturnWorker(const rpc::Address& raylet, const std::string& lease_id,
                                        bool disconnect_worker) {
  auto* stub = StubFor(raylet);
  rpc::ReturnWorkerRequest request;
  request.set_lease_id(lease_id);
  request.set_disconnect_worker(disconnect_worker);
  std::string address = rpc::AddressToString(raylet);
  calls_.Call<rpc::ReturnWorkerRequest, rpc::ReturnWorkerReply>(
      request, kReturnWorkerTimeoutMs,
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->ReturnWorker(ctx, req, reply, std::move(done));
      },
      [address, lease_id](Status status, const rpc::ReturnWorkerReply&) {
        // A raylet that is gone took its leases with it.
        if (!status.ok() && status.code() != StatusCode::kCancelled) {
          COLONY_LOG(DEBUG) << "ReturnWorker of lease " << LeaseID::FromBinary(lease_id).Hex()
                            << " at " << address << " failed: " << status.ToString();
        }
      });
}

void GrpcActorTaskPusher::PushTask(const rpc::Address& worker, const rpc::PushTaskRequest& request,
                                   PushCallback callback) {
  std::shared_ptr<rpc::CoreWorkerService::Stub> stub =
      rpc::CoreWorkerService::NewStub(rpc::MakeChannel(rpc::AddressToString(worker)));
  calls_.Call<rpc::PushTaskRequest, rpc::PushTaskReply>(
      request, /*timeout_ms=*/0,
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        // The completion keeps the stub (and its channel) alive until the call ends.
        stub->async()->PushTask(ctx, req, reply,
                                [stub, done = std::move(done)](grpc::Status s) { done(s); });
      },
      std::move(callback));
}

void GrpcActorTaskPusher::RequestGracefulExit(const rpc::Address& worker) {
  std::shared_ptr<rpc::CoreWorkerService::Stub> stub =
      rpc::CoreWorkerService::NewStub(rpc::MakeChannel(rpc::AddressToString(worker)));
  rpc::ExitRequest request;
  request.set_graceful(true);
  calls_.Call<rpc::ExitRequest, rpc::ExitReply>(
      request, /*timeout_ms=*/10000,
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->Exit(ctx, req, reply,
                            [stub, done = std::move(done)](grpc::Status s) { done(s); });
      },
      [](Status, const rpc::ExitReply&) {});  // an unreachable worker is killed later
}

}  // namespace colony::gcs
