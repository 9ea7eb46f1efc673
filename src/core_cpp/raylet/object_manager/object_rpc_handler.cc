#include "raylet/object_manager/object_rpc_handler.h"

namespace colony::raylet {

void ObjectRpcHandler::HandlePullObject(const rpc::PullObjectRequest& request,
                                        rpc::PullObjectReply* /*reply*/, rpc::SendReply send) {
  if (!ObjectID::IsValidBinary(request.object_id()) ||
      !NodeID::IsValidBinary(request.from_node_id())) {
    return send(Status::InvalidArgument("PullObject needs an object id and a node id"));
  }
  ObjectID id = ObjectID::FromBinary(request.object_id());
  NodeID from = NodeID::FromBinary(request.from_node_id());
  // The marker names the node's address; the cluster view knows whether it died.
  auto node = cluster_->GetNode(from);
  if (node && !node->alive) {
    return send(Status::Unavailable("node " + from.Hex() + " holding object " + id.Hex() +
                                    " is dead"));
  }
  std::string address = request.from_address();
  if (address.empty() && node) address = node->ip + ":" + std::to_string(node->port);
  if (address.empty()) {
    return send(Status::Unavailable("node " + from.Hex() + " holding object " + id.Hex() +
                                    " is unknown"));
  }
  objects_->Pull(id, address, std::move(send));
}

void ObjectRpcHandler::HandleFreeObjects(const rpc::FreeObjectsRequest& request,
                                         rpc::FreeObjectsReply* /*reply*/, rpc::SendReply send) {
  std::vector<ObjectID> ids;
  for (const auto& id : request.object_ids()) {
    if (ObjectID::IsValidBinary(id)) ids.push_back(ObjectID::FromBinary(id));
  }
  objects_->Free(ids);
  send(Status::OK());
}

void ObjectRpcHandler::HandleWatchOwner(const rpc::WatchOwnerRequest& request,
                                        rpc::WatchOwnerReply* /*reply*/, rpc::SendReply send) {
  // Its objects here are freed when it exits (the raylet's exit listener).
  watcher_->Watch(request.owner());
  send(Status::OK());
}

void ObjectRpcHandler::HandleReadObjectChunk(const rpc::ReadObjectChunkRequest& request,
                                             rpc::ReadObjectChunkReply* reply,
                                             rpc::SendReply send) {
  send(objects_->ReadChunk(request, reply));
}

}  // namespace colony::raylet
