// The gRPC face of NodeManager: checks the cluster token and runs each call on the loop.
#pragma once

#include <string>
#include <utility>

#include "common/event_loop.h"
#include "raylet.grpc.pb.h"
#include "raylet/bundle_resources.h"
#include "raylet/node_manager.h"
#include "raylet/object_manager/object_rpc_handler.h"
#include "raylet/worker_exit_log.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {

class NodeManagerGrpcService final : public rpc::NodeManagerService::CallbackService {
 public:
  NodeManagerGrpcService(NodeManager* handler, ObjectRpcHandler* objects, WorkerExitLog* exits,
                         EventLoop* loop, std::string token)
      : handler_(handler), objects_(objects), exits_(exits), loop_(loop), token_(std::move(token)) {}

  COLONY_RPC_METHOD(RequestWorkerLease)
  COLONY_RPC_METHOD(ReturnWorker)
  COLONY_RPC_METHOD(RegisterWorker)
  COLONY_RPC_METHOD(NotifyWorkerBlocked)
  COLONY_RPC_METHOD(CancelWorkerLease)
  COLONY_RPC_METHOD(JobFinished)
  COLONY_RPC_METHOD(GetNodeStats)
  COLONY_RPC_METHOD_TO(PullObject, *objects_)
  COLONY_RPC_METHOD_TO(FreeObjects, *objects_)
  COLONY_RPC_METHOD_TO(WatchOwner, *objects_)
  COLONY_RPC_METHOD_TO(GetWorkerFailureCause, *exits_)
  COLONY_RPC_METHOD_TO(PrepareBundleResources, *bundles_)
  COLONY_RPC_METHOD_TO(CommitBundleResources, *bundles_)
  COLONY_RPC_METHOD_TO(CancelResourceReserve, *bundles_)

  // Placement-group bundle calls go here; set before serving.
  void set_bundles(BundleResources* bundles) { bundles_ = bundles; }

 private:
  NodeManager* handler_;
  ObjectRpcHandler* objects_;
  WorkerExitLog* exits_;
  BundleResources* bundles_ = nullptr;
  EventLoop* loop_;
  std::string token_;
};

}  // namespace colony::raylet
