#include "gcs/gcs_virtual_cluster_manager.h"

#include <algorithm>
#include <chrono>
#include <memory>
#include <optional>

#include "common/logging.h"
#include "common/virtual_cluster.h"

namespace colony::gcs {
namespace {

constexpr const char* kNodeTypeLabel = "node_type";
constexpr size_t kMaxIdLength = 64;
constexpr int32_t kMaxReplicas = 100000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Status CheckId(const std::string& id) {
  if (id.empty()) return Status::InvalidArgument("a virtual cluster id must not be empty");
  if (id.size() > kMaxIdLength) {
    return Status::InvalidArgument("virtual cluster id '" + id + "' is longer than " +
                                   std::to_string(kMaxIdLength) + " characters");
  }
  for (char c : id) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '.';
    if (!ok) {
      return Status::InvalidArgument("virtual cluster id '" + id +
                                     "' may only hold letters, digits, '_', '-' and '.'");
    }
  }
  return Status::OK();
}

std::string Plural(size_t n, const std::string& word) {
  return std::to_string(n) + " " + word + (n == 1 ? "" : "s");
}

std::string Join(const std::set<std::string>& names) {
  if (names.empty()) return "none";
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace

Status GcsVirtualClusterManager::Initialize(const GcsInitData& data) {
  auto alive = AliveTypes();
  for (const auto& [key, record] : data.virtual_clusters) {
    if (record.id().empty()) return Status::Internal("corrupt virtual cluster record in store");
    clusters_[record.id()] = record;
  }
  // Top-level clusters first, so a job cluster's members are known as its parent's.
  for (auto& [id, cluster] : clusters_) {
    if (!cluster.parent_id().empty()) continue;
    for (const std::string& bin : cluster.node_ids()) {
      if (NodeID::IsValidBinary(bin)) parent_of_[NodeID::FromBinary(bin)] = id;
    }
  }
  for (auto& [id, cluster] : clusters_) {
    if (cluster.parent_id().empty()) continue;
    for (const std::string& bin : cluster.node_ids()) {
      if (NodeID::IsValidBinary(bin)) job_cluster_of_[NodeID::FromBinary(bin)] = id;
    }
  }
  // Members that died while no GCS watched.
  std::vector<NodeID> gone;
  for (const auto& [node, id] : parent_of_) {
    if (!alive.count(node)) gone.push_back(node);
  }
  for (const NodeID& node : gone) OnNodeDead(node);
  for (const auto& [node, id] : parent_of_) relabel_.insert(node);
  initialized_ = true;
  Refill();
  for (const std::string& id : dirty_) Save(&clusters_[id], nullptr);
  dirty_.clear();
  Relabel(relabel_);
  COLONY_LOG(DEBUG) << "loaded " << clusters_.size() << " virtual clusters";
  return Status::OK();
}

std::map<NodeID, std::string> GcsVirtualClusterManager::AliveTypes() const {
  std::map<NodeID, std::string> alive;
  for (const rpc::NodeInfo& node : nodes_->AliveNodes()) {
    if (!node.alive() || !NodeID::IsValidBinary(node.node_id())) continue;
    auto type = node.labels().find(kNodeTypeLabel);
    alive[NodeID::FromBinary(node.node_id())] =
        type == node.labels().end() ? "" : type->second;
  }
  return alive;
}

std::vector<NodeID> GcsVirtualClusterManager::FreeNodes(const std::map<NodeID, std::string>& alive,
                                                        const std::string& type) const {
  std::vector<NodeID> free;
  for (const auto& [node, node_type] : alive) {
    if (node_type == type && !type.empty() && !parent_of_.count(node)) free.push_back(node);
  }
  return free;
}

std::vector<NodeID> GcsVirtualClusterManager::Members(const Cluster& cluster,
                                                      const std::map<NodeID, std::string>& alive,
                                                      const std::string& type,
                                                      bool unsplit_only) const {
  std::vector<NodeID> members;
  for (const std::string& bin : cluster.node_ids()) {
    NodeID node = NodeID::FromBinary(bin);
    auto it = alive.find(node);
    if (it == alive.end() || it->second != type) continue;
    if (unsplit_only && job_cluster_of_.count(node)) continue;
    members.push_back(node);
  }
  return members;
}

std::map<std::string, int32_t> GcsVirtualClusterManager::Missing(
    const Cluster& cluster, const std::map<NodeID, std::string>& alive) const {
  std::map<std::string, int32_t> missing;
  for (const auto& [type, want] : cluster.replica_sets()) {
    int32_t have = static_cast<int32_t>(Members(cluster, alive, type, false).size());
    if (have < want) missing[type] = want - have;
  }
  return missing;
}

rpc::VirtualClusterInfo GcsVirtualClusterManager::Info(
    const Cluster& cluster, const std::map<NodeID, std::string>& alive) const {
  rpc::VirtualClusterInfo info;
  *info.mutable_data() = cluster;
  for (const auto& [type, n] : Missing(cluster, alive)) (*info.mutable_missing())[type] = n;
  for (const std::string& bin : cluster.node_ids()) {
    NodeID node = NodeID::FromBinary(bin);
    auto it = alive.find(node);
    (*info.mutable_node_types())[node.Hex()] = it == alive.end() ? "" : it->second;
  }
  return info;
}

std::string GcsVirtualClusterManager::ClusterOf(const NodeID& node_id) const {
  auto job = job_cluster_of_.find(node_id);
  if (job != job_cluster_of_.end()) return job->second;
  auto top = parent_of_.find(node_id);
  return top == parent_of_.end() ? "" : top->second;
}

void GcsVirtualClusterManager::AddMember(Cluster* cluster, const NodeID& node_id) {
  cluster->add_node_ids(node_id.Binary());
  if (cluster->parent_id().empty()) {
    parent_of_[node_id] = cluster->id();
  } else {
    job_cluster_of_[node_id] = cluster->id();
  }
  dirty_.insert(cluster->id());
  relabel_.insert(node_id);
}

void GcsVirtualClusterManager::RemoveMember(Cluster* cluster, const NodeID& node_id) {
  auto* ids = cluster->mutable_node_ids();
  ids->erase(std::remove(ids->begin(), ids->end(), node_id.Binary()), ids->end());
  dirty_.insert(cluster->id());
  relabel_.insert(node_id);
  if (!cluster->parent_id().empty()) {
    job_cluster_of_.erase(node_id);
    return;
  }
  parent_of_.erase(node_id);
  auto job = job_cluster_of_.find(node_id);
  if (job != job_cluster_of_.end()) RemoveMember(&clusters_[job->second], node_id);
}

void GcsVirtualClusterManager::Refill() {
  if (!initialized_) return;
  auto alive = AliveTypes();
  for (auto& [id, cluster] : clusters_) {
    if (!cluster.parent_id().empty()) continue;
    for (const auto& [type, want] : cluster.replica_sets()) {
      size_t have = Members(cluster, alive, type, false).size();
      if (have >= static_cast<size_t>(want)) continue;
      std::vector<NodeID> free = FreeNodes(alive, type);
      for (size_t i = 0; i < free.size() && have < static_cast<size_t>(want); ++i, ++have) {
        COLONY_LOG(INFO) << "virtual cluster '" << id << "' takes node " << free[i].Hex()
                         << " (" << type << ")";
        AddMember(&cluster, free[i]);
      }
    }
  }
  for (auto& [id, cluster] : clusters_) {
    if (cluster.parent_id().empty()) continue;
    auto parent = clusters_.find(cluster.parent_id());
    if (parent == clusters_.end()) continue;
    for (const auto& [type, want] : cluster.replica_sets()) {
      size_t have = Members(cluster, alive, type, false).size();
      if (have >= static_cast<size_t>(want)) continue;
      std::vector<NodeID> unsplit = Members(parent->second, alive, type, true);
      for (size_t i = 0; i < unsplit.size() && have < static_cast<size_t>(want); ++i, ++have) {
        AddMember(&cluster, unsplit[i]);
      }
    }
  }
}

void GcsVirtualClusterManager::Save(Cluster* cluster, StatusCallback persisted) {
  cluster->set_version(cluster->version() + 1);
  std::string id = cluster->id();
  storage_->virtual_clusters().Put(
      id, *cluster, [id, persisted = std::move(persisted)](Status status) {
        if (!status.ok()) {
          COLONY_LOG(ERROR) << "cannot store virtual cluster '" << id << "': "
                            << status.ToString();
        }
        if (persisted) persisted(status);
      });
}

void GcsVirtualClusterManager::Relabel(const std::set<NodeID>& nodes) {
  std::set<NodeID> todo = nodes;
  relabel_.clear();
  for (const NodeID& node : todo) nodes_->SetNodeVirtualCluster(node, ClusterOf(node));
}

StatusOr<rpc::VirtualClusterInfo> GcsVirtualClusterManager::CreateOrUpdate(
    const rpc::CreateOrUpdateVirtualClusterRequest& request, StatusCallback persisted) {
  const std::string& id = request.id();
  COLONY_RETURN_IF_ERROR(CheckId(id));
  auto existing = clusters_.find(id);
  bool exists = existing != clusters_.end() && existing->second.parent_id().empty();
  if (!request.update() && exists) {
    return Status::AlreadyExists("virtual cluster '" + id +
                                 "' already exists (update changes its replica sets)");
  }
  if (request.update() && !exists) {
    std::set<std::string> known;
    for (const auto& [name, c] : clusters_) {
      if (c.parent_id().empty()) known.insert(name);
    }
    return Status::NotFound("unknown virtual cluster '" + id + "' (virtual clusters: " +
                            Join(known) + ")");
  }
  if (request.replica_sets().empty()) {
    return Status::InvalidArgument("virtual cluster '" + id +
                                   "' needs replica sets: {\"<node_type>\": <count>, ...}");
  }
  auto alive = AliveTypes();
  std::set<std::string> known_types;
  for (const auto& [node, type] : alive) {
    if (!type.empty()) known_types.insert(type);
  }
  Cluster fresh;
  Cluster& cluster = exists ? existing->second : fresh;
  // The wanted count of every type, types the update leaves out going to 0.
  std::map<std::string, int32_t> want;
  for (const auto& [type, n] : cluster.replica_sets()) want[type] = 0;
  for (const auto& [type, n] : request.replica_sets()) {
    if (type.empty()) return Status::InvalidArgument("a node type must not be empty");
    if (n < 0 || n > kMaxReplicas) {
      return Status::InvalidArgument("replica count " + std::to_string(n) + " of node type '" +
                                     type + "' must be between 0 and " +
                                     std::to_string(kMaxReplicas));
    }
    if (n > 0 && !known_types.count(type)) {
      return Status::InvalidArgument("unknown node type '" + type + "': no alive node has label " +
                                     kNodeTypeLabel + "=" + type + " (node types: " +
                                     Join(known_types) + ")");
    }
    want[type] = n;
  }
  for (const auto& [type, n] : want) {
    size_t have = Members(cluster, alive, type, false).size();
    if (static_cast<size_t>(n) > have) {
      size_t need = n - have;
      size_t free = FreeNodes(alive, type).size();
      if (free < need) {
        const std::string& wanted = type;  // a lambda cannot capture a structured binding in C++17
        size_t of_type = std::count_if(alive.begin(), alive.end(),
                                       [&](const auto& a) { return a.second == wanted; });
        return Status::InvalidArgument(
            "virtual cluster '" + id + "' asks for " + Plural(n, "node") + " of type '" + type +
            "' but only " + Plural(free, "free node") + " of that type " +
            (free == 1 ? "is" : "are") + " left (" + std::to_string(of_type) + " alive, " +
            std::to_string(of_type - free) + " in virtual clusters" +
            (have > 0 ? ", " + std::to_string(have) + " of them in this one" : "") + ")");
      }
    } else if (static_cast<size_t>(n) < have) {
      size_t unsplit = Members(cluster, alive, type, true).size();
      if (have - n > unsplit) {
        return Status::InvalidArgument(
            "virtual cluster '" + id + "' cannot shrink to " + Plural(n, "node") + " of type '" +
            type + "': " + std::to_string(have - unsplit) +
            " of its nodes of that type are held by job clusters");
      }
    }
  }
  if (!exists) {
    fresh.set_id(id);
    fresh.set_divisible(request.divisible());
    fresh.set_create_time_ms(NowMs());
    clusters_[id] = fresh;
  }
  Cluster* target = &clusters_[id];
  target->clear_replica_sets();
  for (const auto& [type, n] : want) {
    if (n > 0) (*target->mutable_replica_sets())[type] = n;
    std::vector<NodeID> members = Members(*target, alive, type, false);
    if (static_cast<size_t>(n) < members.size()) {
      std::vector<NodeID> unsplit = Members(*target, alive, type, true);
      size_t drop = members.size() - n;
      for (size_t i = 0; i < drop; ++i) RemoveMember(target, unsplit[unsplit.size() - 1 - i]);
    } else {
      std::vector<NodeID> free = FreeNodes(alive, type);
      for (size_t i = 0; i < static_cast<size_t>(n) - members.size(); ++i) {
        AddMember(target, free[i]);
      }
    }
  }
  dirty_.insert(id);
  COLONY_LOG(INFO) << (exists ? "updated" : "created") << " virtual cluster '" << id << "' with "
                   << target->node_ids_size() << " nodes";
  Refill();  // nodes it gave up may fill others
  for (const std::string& changed : dirty_) {
    Save(&clusters_[changed], changed == id ? std::move(persisted) : nullptr);
  }
  dirty_.clear();
  Relabel(relabel_);
  return Info(clusters_[id], alive);
}

Status GcsVirtualClusterManager::Remove(const std::string& id, StatusCallback persisted) {
  auto it = clusters_.find(id);
  if (it == clusters_.end()) return Status::NotFound("unknown virtual cluster '" + id + "'");
  if (!it->second.parent_id().empty()) {
    return Status::InvalidArgument("'" + id + "' is a job cluster; it is removed when its job ends");
  }
  std::set<std::string> held;
  for (const auto& [name, c] : clusters_) {
    if (c.parent_id() == id) held.insert("job " + JobID::FromBinary(c.job_id()).Hex());
  }
  if (!held.empty()) {
    return Status::InvalidArgument("virtual cluster '" + id +
                                   "' is split into job clusters held by running jobs (" +
                                   Join(held) + "); they must end first");
  }
  std::vector<NodeID> members;
  for (const std::string& bin : it->second.node_ids()) members.push_back(NodeID::FromBinary(bin));
  for (const NodeID& node : members) RemoveMember(&it->second, node);
  clusters_.erase(it);
  dirty_.erase(id);
  storage_->virtual_clusters().Delete(id, [id, persisted = std::move(persisted)](Status status) {
    if (!status.ok()) {
      COLONY_LOG(ERROR) << "cannot delete virtual cluster '" << id << "': " << status.ToString();
    }
    if (persisted) persisted(status);
  });
  COLONY_LOG(INFO) << "removed virtual cluster '" << id << "'";
  Refill();
  for (const std::string& changed : dirty_) Save(&clusters_[changed], nullptr);
  dirty_.clear();
  Relabel(relabel_);
  return Status::OK();
}

StatusOr<std::vector<rpc::VirtualClusterInfo>> GcsVirtualClusterManager::Get(
    const std::string& id) const {
  auto alive = AliveTypes();
  std::vector<rpc::VirtualClusterInfo> out;
  if (!id.empty()) {
    auto it = clusters_.find(id);
    if (it == clusters_.end()) return Status::NotFound("unknown virtual cluster '" + id + "'");
    out.push_back(Info(it->second, alive));
    return out;
  }
  for (const auto& [name, cluster] : clusters_) out.push_back(Info(cluster, alive));
  return out;
}

Status GcsVirtualClusterManager::AdmitJob(const JobID& job_id, const rpc::JobConfig& config) {
  const std::string& id = config.virtual_cluster_id();
  if (id.empty()) {
    if (!config.job_cluster_replica_sets().empty()) {
      return Status::InvalidArgument("job_cluster_replica_sets needs a virtual_cluster_id");
    }
    return Status::OK();
  }
  auto it = clusters_.find(id);
  if (it == clusters_.end() || !it->second.parent_id().empty()) {
    std::set<std::string> known;
    for (const auto& [name, c] : clusters_) {
      if (c.parent_id().empty()) known.insert(name);
    }
    return Status::NotFound("unknown virtual cluster '" + id + "' (virtual clusters: " +
                            Join(known) + ")");
  }
  if (config.job_cluster_replica_sets().empty()) return Status::OK();
  const Cluster& parent = it->second;
  if (!parent.divisible()) {
    return Status::InvalidArgument("virtual cluster '" + id +
                                   "' is not divisible: its jobs share its nodes, so a job "
                                   "cannot hold a job cluster of it");
  }
  auto alive = AliveTypes();
  std::map<std::string, int32_t> want(config.job_cluster_replica_sets().begin(),
                                      config.job_cluster_replica_sets().end());
  for (const auto& [type, n] : want) {
    if (n <= 0) {
      return Status::InvalidArgument("job cluster replica count of node type '" + type +
                                     "' must be at least 1");
    }
    size_t unsplit = Members(parent, alive, type, true).size();
    if (unsplit < static_cast<size_t>(n)) {
      size_t all = Members(parent, alive, type, false).size();
      return Status::InvalidArgument(
          "job cluster of virtual cluster '" + id + "' asks for " + Plural(n, "node") +
          " of type '" + type + "' but only " + std::to_string(unsplit) + " of its " +
          Plural(all, "node") + " of that type " + (unsplit == 1 ? "is" : "are") +
          " not held by other jobs");
    }
  }
  Cluster job;
  job.set_id(JobClusterId(id, job_id));
  job.set_parent_id(id);
  job.set_job_id(job_id.Binary());
  job.set_create_time_ms(NowMs());
  for (const auto& [type, n] : want) (*job.mutable_replica_sets())[type] = n;
  if (clusters_.count(job.id())) return Status::AlreadyExists("job cluster '" + job.id() + "' exists");
  Cluster& stored = clusters_[job.id()] = job;
  for (const auto& [type, n] : want) {
    std::vector<NodeID> unsplit = Members(clusters_[id], alive, type, true);
    for (int32_t i = 0; i < n; ++i) AddMember(&stored, unsplit[i]);
  }
  COLONY_LOG(INFO) << "job " << job_id.Hex() << " holds job cluster '" << job.id() << "' ("
                   << stored.node_ids_size() << " nodes)";
  for (const std::string& changed : dirty_) Save(&clusters_[changed], nullptr);
  dirty_.clear();
  Relabel(relabel_);
  return Status::OK();
}

void GcsVirtualClusterManager::OnJobFinished(const JobID& job_id) {
  std::string found;
  for (const auto& [id, cluster] : clusters_) {
    if (!cluster.parent_id().empty() && cluster.job_id() == job_id.Binary()) found = id;
  }
  if (found.empty()) return;
  Cluster& job = clusters_[found];
  std::vector<NodeID> members;
  for (const std::string& bin : job.node_ids()) members.push_back(NodeID::FromBinary(bin));
  for (const NodeID& node : members) RemoveMember(&job, node);
  clusters_.erase(found);
  dirty_.erase(found);
  storage_->virtual_clusters().Delete(found, [found](Status status) {
    if (!status.ok()) COLONY_LOG(ERROR) << "cannot delete job cluster '" << found << "'";
  });
  COLONY_LOG(INFO) << "job cluster '" << found << "' returned to its parent";
  Refill();
  for (const std::string& changed : dirty_) Save(&clusters_[changed], nullptr);
  dirty_.clear();
  Relabel(relabel_);
}

void GcsVirtualClusterManager::OnNodeAlive(const rpc::NodeInfo& node) {
  if (!initialized_ || !NodeID::IsValidBinary(node.node_id())) return;
  NodeID node_id = NodeID::FromBinary(node.node_id());
  if (parent_of_.count(node_id)) {
    // A member re-registering: make sure its label is still there.
    auto label = node.labels().find(kVirtualClusterLabel);
    if (label == node.labels().end() || label->second != ClusterOf(node_id)) {
      relabel_.insert(node_id);
    }
  } else {
    Refill();
  }
  for (const std::string& changed : dirty_) Save(&clusters_[changed], nullptr);
  dirty_.clear();
  if (!relabel_.empty()) Relabel(relabel_);
}

void GcsVirtualClusterManager::OnNodeDead(const NodeID& node_id) {
  auto it = parent_of_.find(node_id);
  if (it == parent_of_.end()) return;
  std::string id = it->second;
  COLONY_LOG(INFO) << "virtual cluster '" << id << "' lost node " << node_id.Hex();
  RemoveMember(&clusters_[id], node_id);
  relabel_.erase(node_id);  // dead: nothing to label
  if (!initialized_) return;  // Initialize refills and stores once all are known
  Refill();
  for (const std::string& changed : dirty_) Save(&clusters_[changed], nullptr);
  dirty_.clear();
  Relabel(relabel_);
}

void GcsVirtualClusterManager::HandleCreateOrUpdateVirtualCluster(
    const rpc::CreateOrUpdateVirtualClusterRequest& request,
    rpc::CreateOrUpdateVirtualClusterReply* reply, rpc::SendReply send_reply) {
  // The in-memory store acknowledges inline, before the reply is filled: whichever of the
  // two comes second sends it.
  struct Pending {
    bool filled = false;
    std::optional<Status> stored;
  };
  auto pending = std::make_shared<Pending>();
  auto info = CreateOrUpdate(request, [pending, send_reply](Status status) {
    pending->stored = status;
    if (pending->filled) send_reply(status);
  });
  if (!info.ok()) {
    send_reply(info.status());
    return;
  }
  *reply->mutable_virtual_cluster() = std::move(*info);
  pending->filled = true;
  if (pending->stored) send_reply(*pending->stored);
}

void GcsVirtualClusterManager::HandleRemoveVirtualCluster(
    const rpc::RemoveVirtualClusterRequest& request, rpc::RemoveVirtualClusterReply* /*reply*/,
    rpc::SendReply send_reply) {
  Status status = Remove(request.id(), send_reply);
  if (!status.ok()) send_reply(status);
}

void GcsVirtualClusterManager::HandleGetVirtualClusters(
    const rpc::GetVirtualClustersRequest& request, rpc::GetVirtualClustersReply* reply,
    rpc::SendReply send_reply) {
  auto infos = Get(request.id());
  if (!infos.ok()) {
    send_reply(infos.status());
    return;
  }
  for (auto& info : *infos) *reply->add_virtual_clusters() = std::move(info);
  send_reply(Status::OK());
}

}  // namespace colony::gcs
