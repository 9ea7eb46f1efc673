// The object RPCs of a raylet: core workers' pulls and frees (NodeManagerService, on the
// event loop, where the cluster view lives) and other raylets' chunk reads
// (ObjectManagerService, served on gRPC threads so copies never hold up the loop).
#pragma once

#include <string>

#include "raylet.grpc.pb.h"
#include "raylet/object_manager/object_manager.h"
#include "raylet/scheduling/cluster_view.h"
#include "raylet/worker_watcher.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {

class ObjectRpcHandler {
 public:
  ObjectRpcHandler(ObjectManager* objects, ClusterView* cluster, WorkerWatcher* watcher)
      : objects_(objects), cluster_(cluster), watcher_(watcher) {}

  void HandlePullObject(const rpc::PullObjectRequest& request, rpc::PullObjectReply* reply,
                        rpc::SendReply send);
  void HandleFreeObjects(const rpc::FreeObjectsRequest& request, rpc::FreeObjectsReply* reply,
                         rpc::SendReply send);
  void HandleWatchOwner(const rpc::WatchOwnerRequest& request, rpc::WatchOwnerReply* reply,
                        rpc::SendReply send);
  void HandleReadObjectChunk(const rpc::ReadObjectChunkRequest& request,
                             rpc::ReadObjectChunkReply* reply, rpc::SendReply send);

 private:
  ObjectManager* objects_;
  ClusterView* cluster_;
  WorkerWatcher* watcher_;
};

// Chunk reads run on the gRPC thread that received them (no loop).
class ObjectManagerGrpcService final : public rpc::ObjectManagerService::CallbackService {
 public:
  ObjectManagerGrpcService(ObjectRpcHandler* handler, std::string token)
      : handler_(handler), token_(std::move(token)) {}

  COLONY_RPC_METHOD(ReadObjectChunk)

 private:
  ObjectRpcHandler* handler_;
  EventLoop* loop_ = nullptr;
  std::string token_;
};

}  // namespace colony::raylet
