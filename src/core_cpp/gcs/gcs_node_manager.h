// The node table: registration, death (unregistered or timed out), resource reports.
// Dead nodes stay in the table with alive=false and a death reason; a dead node's ID is
// never revived, so every process agrees a node that died stays dead.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/id.h"
#include "gcs.pb.h"
#include "gcs/store_client.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

class GcsNodeManager {
 public:
  // Called after each state change (registered, dead) with the node's new state.
  using NodeChangeListener = std::function<void(const rpc::NodeInfo&)>;
  // Called on each resource report of a live node.
  using HeartbeatListener = std::function<void(const NodeID&)>;

  explicit GcsNodeManager(StoreClient* store) : store_(store) {}

  void AddNodeChangeListener(NodeChangeListener listener) {
    change_listeners_.push_back(std::move(listener));
  }
  void AddHeartbeatListener(HeartbeatListener listener) {
    heartbeat_listeners_.push_back(std::move(listener));
  }

  // Reloads the node table from the store and tells the listeners about every node; call
  // once, after adding listeners and before serving.
  Status Initialize();

  // Adds a node, or refreshes a live one (a raylet retrying its registration).
  Status RegisterNode(rpc::NodeInfo node);
  // Marks a live node dead; a no-op for a node already dead.
  Status MarkNodeDead(const NodeID& node_id, const std::string& reason);
  // Returns false if the node is unknown or dead, so the raylet learns it was dropped.
  bool ReportResources(const rpc::ReportResourcesRequest& report);
  // Every node ever registered, dead ones included.
  std::vector<rpc::NodeInfo> GetAllNodes() const;

  void HandleRegisterNode(const rpc::RegisterNodeRequest& request, rpc::RegisterNodeReply* reply,
                          rpc::SendReply send_reply);
  void HandleUnregisterNode(const rpc::UnregisterNodeRequest& request,
                            rpc::UnregisterNodeReply* reply, rpc::SendReply send_reply);
  void HandleGetAllNodeInfo(const rpc::GetAllNodeInfoRequest& request,
                            rpc::GetAllNodeInfoReply* reply, rpc::SendReply send_reply);
  void HandleReportResources(const rpc::ReportResourcesRequest& request,
                             rpc::ReportResourcesReply* reply, rpc::SendReply send_reply);

 private:
  Status SaveNode(const rpc::NodeInfo& node);
  void NotifyChange(const rpc::NodeInfo& node);

  StoreClient* store_;
  std::map<NodeID, rpc::NodeInfo> nodes_;
  std::vector<NodeChangeListener> change_listeners_;
  std::vector<HeartbeatListener> heartbeat_listeners_;
};

}  // namespace colony::gcs
