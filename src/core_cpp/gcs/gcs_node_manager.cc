#include "gcs/gcs_node_manager.h"

#include <chrono>

#include "common/logging.h"
#include "common/virtual_cluster.h"

namespace colony::gcs {
namespace {

constexpr const char* kDefaultUnregisterReason = "unregistered";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckNodeId(const std::string& binary) {
  if (NodeID::IsValidBinary(binary)) return Status::OK();
  return Status::InvalidArgument("node_id must be " + std::to_string(NodeID::kSize) + " bytes");
}

// Totals are amounts >= 0; available figures may be negative (an over-committed node).
Status CheckResources(const std::string& field, const google::protobuf::Map<std::string, double>& map,
                      bool allow_negative) {
  for (const auto& [name, amount] : map) {
    COLONY_RETURN_IF_ERROR(ValidateResourceAmount(field, name, amount, allow_negative));
  }
  return Status::OK();
}

Status CheckResources(const google::protobuf::Map<std::string, double>& total,
                      const google::protobuf::Map<std::string, double>& available) {
  COLONY_RETURN_IF_ERROR(CheckResources("resources_total", total, false));
  return CheckResources("resources_available", available, true);
}

}  // namespace

Status GcsNodeManager::Initialize(const GcsInitData& data) {
  for (const auto& [key, node] : data.nodes) {
    if (!NodeID::IsValidBinary(node.node_id())) {
      return Status::Internal("corrupt node record in store");
    }
    nodes_[NodeID::FromBinary(node.node_id())] = node;
  }
  for (const auto& [id, node] : nodes_) NotifyChange(node);
  COLONY_LOG(DEBUG) << "loaded " << nodes_.size() << " nodes";
  return Status::OK();
}

Status GcsNodeManager::RegisterNode(rpc::NodeInfo node, StatusCallback persisted) {
  COLONY_RETURN_IF_ERROR(CheckNodeId(node.node_id()));
  COLONY_RETURN_IF_ERROR(CheckResources(node.resources_total(), node.resources_available()));
  NodeID node_id = NodeID::FromBinary(node.node_id());
  auto it = nodes_.find(node_id);
  if (it != nodes_.end() && !it->second.alive()) {
    return Status::InvalidArgument("node " + node_id.Hex() + " was marked dead (" +
                                   it->second.death_reason() + "); register with a new node ID");
  }
  // A raylet retrying its registration does not know the labels the GCS gave its node.
  if (it != nodes_.end()) {
    auto vc = it->second.labels().find(kVirtualClusterLabel);
    if (vc != it->second.labels().end()) (*node.mutable_labels())[vc->first] = vc->second;
  }
  node.set_alive(true);
  node.clear_death_reason();
  if (node.start_time_ms() == 0) node.set_start_time_ms(NowMs());
  if (node.resources_available().empty()) {
    *node.mutable_resources_available() = node.resources_total();
  }
  SaveNode(node, std::move(persisted));
  nodes_[node_id] = node;
  COLONY_LOG(INFO) << "node " << node_id.Hex() << " registered at " << node.ip() << ":"
                   << node.raylet_port();
  NotifyChange(node);
  return Status::OK();
}

Status GcsNodeManager::MarkNodeDead(const NodeID& node_id, const std::string& reason,
                                    StatusCallback persisted) {
  auto it = nodes_.find(node_id);
  if (it == nodes_.end()) return Status::NotFound("unknown node " + node_id.Hex());
  if (!it->second.alive()) {
    if (persisted) persisted(Status::OK());
    return Status::OK();
  }
  rpc::NodeInfo node = it->second;
  node.set_alive(false);
  node.set_death_reason(reason);
  SaveNode(node, std::move(persisted));
  it->second = node;
  COLONY_LOG(INFO) << "node " << node_id.Hex() << " is dead: " << reason;
  NotifyChange(node);
  return Status::OK();
}

StatusOr<rpc::NodeInfo> GcsNodeManager::SetNodeLabel(const NodeID& node_id, const std::string& key,
                                                     const std::string& value) {
  auto it = nodes_.find(node_id);
  if (it == nodes_.end() || !it->second.alive()) {
    return Status::NotFound("no live node " + node_id.Hex());
  }
  auto& labels = *it->second.mutable_labels();
  auto old = labels.find(key);
  bool same = value.empty() ? old == labels.end() : old != labels.end() && old->second == value;
  if (same) return it->second;
  if (value.empty()) {
    labels.erase(key);
  } else {
    labels[key] = value;
  }
  SaveNode(it->second, nullptr);
  return it->second;
}

bool GcsNodeManager::ReportResources(const rpc::ReportResourcesRequest& report) {
  if (!NodeID::IsValidBinary(report.node_id())) return false;
  NodeID node_id = NodeID::FromBinary(report.node_id());
  auto it = nodes_.find(node_id);
  if (it == nodes_.end() || !it->second.alive()) return false;
  // Resource figures are soft state refreshed by every report, so they stay in memory:
  // writing each heartbeat through to a persistent store would cost a round trip apiece.
  rpc::NodeInfo& node = it->second;
  *node.mutable_resources_available() = report.resources_available();
  *node.mutable_usage() = report.usage();
  if (!report.resources_total().empty()) {
    *node.mutable_resources_total() = report.resources_total();
  }
  for (const auto& listener : heartbeat_listeners_) listener(node_id);
  return true;
}

std::vector<rpc::NodeInfo> GcsNodeManager::GetAllNodes() const {
  std::vector<rpc::NodeInfo> nodes;
  nodes.reserve(nodes_.size());
  for (const auto& [id, node] : nodes_) nodes.push_back(node);
  return nodes;
}

void GcsNodeManager::SaveNode(const rpc::NodeInfo& node, StatusCallback persisted) {
  std::string id = NodeID::FromBinary(node.node_id()).Hex();
  storage_->nodes().Put(node.node_id(), node,
                        [id, persisted = std::move(persisted)](Status status) {
                          if (!status.ok()) {
                            COLONY_LOG(ERROR) << "cannot store node " << id << ": "
                                              << status.ToString();
                          }
                          if (persisted) persisted(status);
                        });
}

void GcsNodeManager::NotifyChange(const rpc::NodeInfo& node) {
  for (const auto& listener : change_listeners_) listener(node);
}

void GcsNodeManager::HandleRegisterNode(const rpc::RegisterNodeRequest& request,
                                        rpc::RegisterNodeReply* /*reply*/,
                                        rpc::SendReply send_reply) {
  Status status = RegisterNode(request.node(), send_reply);
  if (!status.ok()) send_reply(status);
}

void GcsNodeManager::HandleUnregisterNode(const rpc::UnregisterNodeRequest& request,
                                          rpc::UnregisterNodeReply* /*reply*/,
                                          rpc::SendReply send_reply) {
  Status status = CheckNodeId(request.node_id());
  if (status.ok()) {
    std::string reason =
        request.reason().empty() ? kDefaultUnregisterReason : request.reason();
    status = MarkNodeDead(NodeID::FromBinary(request.node_id()), reason, send_reply);
  }
  if (!status.ok()) send_reply(status);
}

void GcsNodeManager::HandleGetAllNodeInfo(const rpc::GetAllNodeInfoRequest& /*request*/,
                                          rpc::GetAllNodeInfoReply* reply,
                                          rpc::SendReply send_reply) {
  for (auto& node : GetAllNodes()) *reply->add_nodes() = std::move(node);
  send_reply(Status::OK());
}

void GcsNodeManager::HandleReportResources(const rpc::ReportResourcesRequest& request,
                                           rpc::ReportResourcesReply* reply,
                                           rpc::SendReply send_reply) {
  Status valid = CheckResources(request.resources_total(), request.resources_available());
  if (!valid.ok()) {
    send_reply(valid);
    return;
  }
  reply->set_node_unknown(!ReportResources(request));
  send_reply(Status::OK());
}

}  // namespace colony::gcs
