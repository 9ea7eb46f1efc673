// The gRPC face of NodeManager: checks the cluster token and runs each call on the loop.
#pragma once

#include <string>
#include <utility>

#include "common/event_loop.h"
#include "raylet.grpc.pb.h"
#include "raylet/node_manager.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {

class NodeManagerGrpcService final : public rpc::NodeManagerService::CallbackService {
 public:
  NodeManagerGrpcService(NodeManager* handler, EventLoop* loop, std::string token)
      : handler_(handler), loop_(loop), token_(std::move(token)) {}

  COLONY_RPC_METHOD(RequestWorkerLease)
  COLONY_RPC_METHOD(ReturnWorker)
  COLONY_RPC_METHOD(RegisterWorker)
  COLONY_RPC_METHOD(NotifyWorkerBlocked)
  COLONY_RPC_METHOD(CancelWorkerLease)
  COLONY_RPC_METHOD(JobFinished)
  COLONY_RPC_METHOD(GetNodeStats)

 private:
  NodeManager* handler_;
  EventLoop* loop_;
  std::string token_;
};

}  // namespace colony::raylet
