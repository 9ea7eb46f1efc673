// The gRPC implementations of the actor scheduler's seams: worker leases from raylets
// (NodeManagerService) and the creation-task push to the leased worker
// (CoreWorkerService). Calls are asynchronous; completions are posted onto the GCS loop.
// Destroying a client cancels its calls in flight and waits for their completions, so no
// gRPC thread touches it or the loop afterwards.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "common/event_loop.h"
#include "core_worker.grpc.pb.h"
#include "gcs/gcs_actor_scheduler.h"
#include "raylet.grpc.pb.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

// Async unary calls whose callbacks run on an event loop, tracked so they can be
// canceled and waited for.
class LoopCallTracker {
 public:
  LoopCallTracker(EventLoop* loop, std::string token) : loop_(loop), token_(std::move(token)) {}
  // Cancels the calls in flight and waits until their completions have run.
  ~LoopCallTracker();

  // `start(ctx, request, reply, done)` issues the call; `callback(status, reply)` runs on
  // the loop (not at all once the loop has stopped). timeout_ms <= 0: no deadline.
  template <typename Request, typename Reply, typename Start>
  void Call(const Request& request, int64_t timeout_ms, Start start,
            std::function<void(Status, const Reply&)> callback);

 private:
  bool Track(grpc::ClientContext* ctx);
  void Untrack(grpc::ClientContext* ctx);

  EventLoop* loop_;
  std::string token_;
  std::mutex mu_;
  std::condition_variable idle_cv_;
  std::unordered_set<grpc::ClientContext*> in_flight_;
  bool canceled_ = false;
};

class GrpcActorLeaseClient : public ActorLeaseClient {
 public:
  GrpcActorLeaseClient(EventLoop* loop, std::string token) : calls_(loop, std::move(token)) {}

  void RequestWorkerLease(const rpc::Address& raylet,
                          const rpc::RequestWorkerLeaseRequest& request,
                          LeaseCallback callback) override;
  void ReturnWorker(const rpc::Address& raylet, const std::string& lease_id,
                    bool disconnect_worker) override;

 private:
  // One stub per raylet address, used on the loop thread only.
  rpc::NodeManagerService::Stub* StubFor(const rpc::Address& raylet);

  std::map<std::string, std::unique_ptr<rpc::NodeManagerService::Stub>> stubs_;
  LoopCallTracker calls_;  // declared last: destroyed (and drained) before the stubs
};

class GrpcActorTaskPusher : public ActorTaskPusher {
 public:
  GrpcActorTaskPusher(EventLoop* loop, std::string token) : calls_(loop, std::move(token)) {}

  // Opens a channel to the worker for this one push (each actor's worker gets one push).
  void PushTask(const rpc::Address& worker, const rpc::PushTaskRequest& request,
                PushCallback callback) override;
  void RequestGracefulExit(const rpc::Address& worker) override;

 private:
  LoopCallTracker calls_;
};

template <typename Request, typename Reply, typename Start>
void LoopCallTracker::Call(const Request& request, int64_t timeout_ms, Start start,
                           std::function<void(Status, const Reply&)> callback) {
  struct State {
    grpc::ClientContext ctx;
    Request request;
    Reply reply;
  };
  auto state = std::make_shared<State>();
  state->request = request;
  rpc::PrepareClientContext(&state->ctx, token_, timeout_ms);
  if (!Track(&state->ctx)) {
    loop_->Post([callback] { callback(Status::Cancelled("GCS client stopped"), Reply()); });
    return;
  }
  std::function<void(grpc::Status)> done = [this, state, callback](grpc::Status grpc_status) {
    Status status = rpc::FromGrpcStatus(grpc_status);
    loop_->Post([callback, status, state] { callback(status, state->reply); });
    Untrack(&state->ctx);
  };
  start(&state->ctx, &state->request, &state->reply, std::move(done));
}

}  // namespace colony::gcs
