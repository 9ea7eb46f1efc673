// Virtual clusters (docs/virtual_clusters.md): named sets of nodes chosen by node type (the
// `node_type` label) and count. A node is in at most one cluster; nodes in none are the free
// pool. An indivisible cluster's jobs share its nodes; a divisible one can also be split
// into job clusters ("<id>##<job hex>"), each held by one job alone from its start to its
// end. The manager keeps membership whole: a node that joins fills a cluster that lacks
// its type, and a dead member is replaced by a free node of the same type (a job cluster's
// by an unsplit node of its parent). It labels every member with its innermost cluster's id
// (colony.io/virtual-cluster) through the VirtualClusterNodes seam; the schedulers filter on
// that label (common/virtual_cluster.h). Records live in the VIRTUAL_CLUSTER table.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/id.h"
#include "gcs.pb.h"
#include "gcs/store/gcs_table_storage.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

// What the manager needs of the node table: the alive nodes and a way to label one.
class VirtualClusterNodes {
 public:
  virtual ~VirtualClusterNodes() = default;
  virtual std::vector<rpc::NodeInfo> AliveNodes() const = 0;
  // Sets the node's colony.io/virtual-cluster label to `virtual_cluster_id` ("": removes it)
  // and tells the schedulers.
  virtual void SetNodeVirtualCluster(const NodeID& node_id,
                                     const std::string& virtual_cluster_id) = 0;
};

class GcsVirtualClusterManager {
 public:
  GcsVirtualClusterManager(GcsTableStorage* storage, VirtualClusterNodes* nodes)
      : storage_(storage), nodes_(nodes) {}

  // Takes the reloaded clusters; call after the node table is loaded. Members no longer
  // alive are dropped and replaced where free nodes allow.
  Status Initialize(const GcsInitData& data);

  // Creates a cluster (update=false; the id must be new) or changes its replica counts.
  // All or nothing: an error (unknown type, too few free nodes, ...) changes nothing.
  // `persisted` runs once the record is stored.
  StatusOr<rpc::VirtualClusterInfo> CreateOrUpdate(
      const rpc::CreateOrUpdateVirtualClusterRequest& request, StatusCallback persisted = nullptr);
  // Frees its nodes. Refused while job clusters of it are held by running jobs.
  Status Remove(const std::string& id, StatusCallback persisted = nullptr);
  // One cluster (NotFound if unknown) or, with an empty id, all of them, by id.
  StatusOr<std::vector<rpc::VirtualClusterInfo>> Get(const std::string& id) const;

  // A job being added: its config may name a cluster (which must exist) and, in a
  // divisible one, ask for a job cluster, made now from the cluster's unsplit nodes.
  Status AdmitJob(const JobID& job_id, const rpc::JobConfig& config);
  // Returns the job's job cluster (if any) to its parent.
  void OnJobFinished(const JobID& job_id);

  void OnNodeAlive(const rpc::NodeInfo& node);
  void OnNodeDead(const NodeID& node_id);

  // The cluster `node_id` is in ("" for none): its innermost one.
  std::string ClusterOf(const NodeID& node_id) const;

  void HandleCreateOrUpdateVirtualCluster(const rpc::CreateOrUpdateVirtualClusterRequest& request,
                                          rpc::CreateOrUpdateVirtualClusterReply* reply,
                                          rpc::SendReply send_reply);
  void HandleRemoveVirtualCluster(const rpc::RemoveVirtualClusterRequest& request,
                                  rpc::RemoveVirtualClusterReply* reply, rpc::SendReply send_reply);
  void HandleGetVirtualClusters(const rpc::GetVirtualClustersRequest& request,
                                rpc::GetVirtualClustersReply* reply, rpc::SendReply send_reply);

 private:
  using Cluster = rpc::VirtualClusterTableData;

  // Alive nodes by id, with their node_type ("" when unlabelled).
  std::map<NodeID, std::string> AliveTypes() const;
  // Of `alive`, the nodes in no cluster with type `type`, in id order.
  std::vector<NodeID> FreeNodes(const std::map<NodeID, std::string>& alive,
                                const std::string& type) const;
  // Of `cluster`'s members, those of `type` (for a divisible cluster, only those in none of
  // its job clusters when `unsplit_only`).
  std::vector<NodeID> Members(const Cluster& cluster, const std::map<NodeID, std::string>& alive,
                              const std::string& type, bool unsplit_only) const;
  std::map<std::string, int32_t> Missing(const Cluster& cluster,
                                         const std::map<NodeID, std::string>& alive) const;
  rpc::VirtualClusterInfo Info(const Cluster& cluster,
                               const std::map<NodeID, std::string>& alive) const;

  void AddMember(Cluster* cluster, const NodeID& node_id);
  void RemoveMember(Cluster* cluster, const NodeID& node_id);
  // Gives clusters that lack replicas free nodes of their types, then job clusters that lack
  // replicas unsplit nodes of their parents. Stores what changed.
  void Refill();
  void Save(Cluster* cluster, StatusCallback persisted);
  // Sets each changed node's label to its innermost cluster.
  void Relabel(const std::set<NodeID>& nodes);

  GcsTableStorage* storage_;
  VirtualClusterNodes* nodes_;
  bool initialized_ = false;
  std::map<std::string, Cluster> clusters_;  // top-level and job clusters, by id
  std::map<NodeID, std::string> parent_of_;  // member node -> its top-level cluster
  std::map<NodeID, std::string> job_cluster_of_;  // member node -> its job cluster
  std::set<std::string> dirty_;  // clusters changed since the last Save
  std::set<NodeID> relabel_;     // nodes whose label may have changed
};

}  // namespace colony::gcs
