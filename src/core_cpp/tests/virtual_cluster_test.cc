// The virtual cluster manager's assignment logic over a fake node table (and a real
// in-memory store), and the schedulers' filter (common/virtual_cluster.h).
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "common/virtual_cluster.h"
#include "gcs/gcs_virtual_cluster_manager.h"
#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/in_memory_store_client.h"
#include "gcs_store_test_util.h"

namespace colony::gcs {
namespace {

using testing::LoadInitData;

// The node table: nodes with a node_type label, alive or dead; labels written here.
class FakeNodes : public VirtualClusterNodes {
 public:
  NodeID Add(const std::string& type) {
    NodeID id = NodeID::FromRandom();
    rpc::NodeInfo node;
    node.set_node_id(id.Binary());
    node.set_alive(true);
    if (!type.empty()) (*node.mutable_labels())["node_type"] = type;
    nodes_[id] = node;
    return id;
  }
  void Kill(const NodeID& id) { nodes_[id].set_alive(false); }
  const rpc::NodeInfo& Get(const NodeID& id) { return nodes_[id]; }
  std::string Label(const NodeID& id) {
    auto it = nodes_[id].labels().find(kVirtualClusterLabel);
    return it == nodes_[id].labels().end() ? "" : it->second;
  }
  int CountLabelled(const std::string& cluster) {
    int n = 0;
    for (auto& [id, node] : nodes_) n += node.alive() && Label(id) == cluster;
    return n;
  }

  std::vector<rpc::NodeInfo> AliveNodes() const override {
    std::vector<rpc::NodeInfo> alive;
    for (const auto& [id, node] : nodes_) {
      if (node.alive()) alive.push_back(node);
    }
    return alive;
  }
  void SetNodeVirtualCluster(const NodeID& id, const std::string& cluster) override {
    ++label_writes;
    if (!nodes_[id].alive()) return;
    if (cluster.empty()) {
      nodes_[id].mutable_labels()->erase(kVirtualClusterLabel);
    } else {
      (*nodes_[id].mutable_labels())[kVirtualClusterLabel] = cluster;
    }
  }
  int label_writes = 0;

 private:
  std::map<NodeID, rpc::NodeInfo> nodes_;
};

rpc::CreateOrUpdateVirtualClusterRequest Request(const std::string& id,
                                                 std::map<std::string, int> replicas,
                                                 bool divisible = false, bool update = false) {
  rpc::CreateOrUpdateVirtualClusterRequest r;
  r.set_id(id);
  r.set_divisible(divisible);
  r.set_update(update);
  for (auto& [type, n] : replicas) (*r.mutable_replica_sets())[type] = n;
  return r;
}

class VirtualClusterManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 3; ++i) small_.push_back(nodes_.Add("4c8g"));
    gpu_ = nodes_.Add("gpu");
    plain_ = nodes_.Add("");
    ASSERT_TRUE(manager_.Initialize(LoadInitData(&storage_)).ok());
  }

  InMemoryStoreClient store_;
  GcsTableStorage storage_{&store_};
  FakeNodes nodes_;
  GcsVirtualClusterManager manager_{&storage_, &nodes_};
  std::vector<NodeID> small_;
  NodeID gpu_;
  NodeID plain_;
};

TEST_F(VirtualClusterManagerTest, CreateTakesFreeNodesOfEachTypeAndLabelsThem) {
  auto a = manager_.CreateOrUpdate(Request("a", {{"4c8g", 2}, {"gpu", 1}}));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->data().node_ids_size(), 3);
  EXPECT_TRUE(a->missing().empty());
  EXPECT_EQ(nodes_.CountLabelled("a"), 3);
  EXPECT_EQ(nodes_.Label(gpu_), "a");
  EXPECT_EQ(manager_.ClusterOf(gpu_), "a");
  // One 4c8g node is left: a second cluster gets it, and a third finds none.
  auto b = manager_.CreateOrUpdate(Request("b", {{"4c8g", 1}}));
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(nodes_.CountLabelled("b"), 1);
  auto c = manager_.CreateOrUpdate(Request("c", {{"4c8g", 1}}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(c.status().message().find("'4c8g'"), std::string::npos) << c.status().message();
  EXPECT_NE(c.status().message().find("only 0 free nodes"), std::string::npos)
      << c.status().message();
  EXPECT_NE(c.status().message().find("3 alive, 3 in virtual clusters"), std::string::npos)
      << c.status().message();
  EXPECT_FALSE(manager_.Get("c").ok());
}

TEST_F(VirtualClusterManagerTest, BadRequestsAreRefusedAndChangeNothing) {
  ASSERT_TRUE(manager_.CreateOrUpdate(Request("a", {{"4c8g", 1}})).ok());
  auto dup = manager_.CreateOrUpdate(Request("a", {{"4c8g", 1}}));
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  auto unknown_type = manager_.CreateOrUpdate(Request("b", {{"8c32g", 1}}));
  EXPECT_EQ(unknown_type.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(unknown_type.status().message().find("unknown node type '8c32g'"), std::string::npos);
  EXPECT_NE(unknown_type.status().message().find("4c8g, gpu"), std::string::npos)
      << unknown_type.status().message();
  // All or nothing: the 4c8g part fits, the gpu part does not.
  auto partly = manager_.CreateOrUpdate(Request("b", {{"4c8g", 1}, {"gpu", 2}}));
  EXPECT_FALSE(partly.ok());
  EXPECT_EQ(nodes_.CountLabelled("b"), 0);
  EXPECT_FALSE(manager_.CreateOrUpdate(Request("bad id", {{"4c8g", 1}})).ok());
  EXPECT_FALSE(manager_.CreateOrUpdate(Request("x##1", {{"4c8g", 1}})).ok());
  EXPECT_FALSE(manager_.CreateOrUpdate(Request("", {{"4c8g", 1}})).ok());
  EXPECT_FALSE(manager_.CreateOrUpdate(Request("b", {{"4c8g", -1}})).ok());
  EXPECT_FALSE(manager_.CreateOrUpdate(Request("b", {})).ok());
  EXPECT_EQ(manager_.CreateOrUpdate(Request("zz", {{"4c8g", 1}}, false, true)).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(manager_.Remove("zz").code(), StatusCode::kNotFound);
  EXPECT_EQ(manager_.Get("zz").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(manager_.Get("").value().size(), 1u);
}

TEST_F(VirtualClusterManagerTest, UpdateGrowsAndShrinksAndRemoveFreesNodes) {
  ASSERT_TRUE(manager_.CreateOrUpdate(Request("a", {{"4c8g", 1}, {"gpu", 1}})).ok());
  auto grown = manager_.CreateOrUpdate(Request("a", {{"4c8g", 3}}, false, true));
  ASSERT_TRUE(grown.ok()) << grown.status().ToString();
  EXPECT_EQ(nodes_.CountLabelled("a"), 3);  // gpu left out of the update: released
  EXPECT_EQ(nodes_.Label(gpu_), "");
  ASSERT_TRUE(manager_.CreateOrUpdate(Request("a", {{"4c8g", 1}}, false, true)).ok());
  EXPECT_EQ(nodes_.CountLabelled("a"), 1);
  ASSERT_TRUE(manager_.Remove("a").ok());
  EXPECT_EQ(nodes_.CountLabelled("a"), 0);
  EXPECT_TRUE(manager_.Get("").value().empty());
  EXPECT_TRUE(manager_.CreateOrUpdate(Request("b", {{"4c8g", 3}})).ok());
}

TEST_F(VirtualClusterManagerTest, DeadMemberIsReplacedByAFreeNodeOfItsType) {
  ASSERT_TRUE(manager_.CreateOrUpdate(Request("a", {{"4c8g", 2}})).ok());
  NodeID member = manager_.ClusterOf(small_[0]) == "a" ? small_[0] : small_[1];
  nodes_.Kill(member);
  manager_.OnNodeDead(member);
  EXPECT_EQ(manager_.ClusterOf(member), "");
  EXPECT_EQ(nodes_.CountLabelled("a"), 2);  // the third 4c8g node took its place
  EXPECT_TRUE(manager_.Get("a")->at(0).missing().empty());
  // No free 4c8g node is left: the next loss leaves it lacking until one joins.
  NodeID another = manager_.ClusterOf(small_[2]) == "a" ? small_[2] : small_[1];
  nodes_.Kill(another);
  manager_.OnNodeDead(another);
  EXPECT_EQ(nodes_.CountLabelled("a"), 1);
  EXPECT_EQ(manager_.Get("a")->at(0).missing().at("4c8g"), 1);
  NodeID other_type = nodes_.Add("gpu");
  manager_.OnNodeAlive(nodes_.Get(other_type));
  EXPECT_EQ(manager_.ClusterOf(other_type), "");  // a gpu node does not fill a 4c8g gap
  NodeID joined = nodes_.Add("4c8g");
  manager_.OnNodeAlive(nodes_.Get(joined));
  EXPECT_EQ(manager_.ClusterOf(joined), "a");
  EXPECT_EQ(nodes_.Label(joined), "a");
  EXPECT_TRUE(manager_.Get("a")->at(0).missing().empty());
}

TEST_F(VirtualClusterManagerTest, RemovedClusterFreesNodesThatFillALackingOne) {
  ASSERT_TRUE(manager_.CreateOrUpdate(Request("a", {{"4c8g", 1}})).ok());
  ASSERT_TRUE(manager_.CreateOrUpdate(Request("b", {{"4c8g", 2}})).ok());
  NodeID member;
  for (const NodeID& n : small_) {
    if (manager_.ClusterOf(n) == "a") member = n;
  }
  nodes_.Kill(member);
  manager_.OnNodeDead(member);
  EXPECT_EQ(manager_.Get("a")->at(0).missing().at("4c8g"), 1);  // no free 4c8g node
  ASSERT_TRUE(manager_.Remove("b").ok());
  EXPECT_EQ(nodes_.CountLabelled("a"), 1);
  EXPECT_TRUE(manager_.Get("a")->at(0).missing().empty());
}

TEST_F(VirtualClusterManagerTest, DivisibleClusterLendsJobClustersForTheJobsLifetime) {
  ASSERT_TRUE(manager_.CreateOrUpdate(Request("d", {{"4c8g", 3}}, /*divisible=*/true)).ok());
  ASSERT_TRUE(manager_.CreateOrUpdate(Request("s", {{"gpu", 1}})).ok());
  rpc::JobConfig config;
  config.set_virtual_cluster_id("d");
  (*config.mutable_job_cluster_replica_sets())["4c8g"] = 2;
  JobID job1 = JobID::FromInt(1), job2 = JobID::FromInt(2);
  ASSERT_TRUE(manager_.AdmitJob(job1, config).ok());
  std::string jc = JobClusterId("d", job1);
  EXPECT_EQ(JobVirtualClusterId(job1, config), jc);
  EXPECT_EQ(nodes_.CountLabelled(jc), 2);
  EXPECT_EQ(nodes_.CountLabelled("d"), 1);  // the unsplit rest, for the cluster's other jobs
  // Only one unsplit node is left.
  Status second = manager_.AdmitJob(job2, config);
  EXPECT_EQ(second.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(second.message().find("only 1 of its 3 nodes"), std::string::npos) << second.message();
  // The cluster cannot shrink below what jobs hold, nor go while they hold it.
  EXPECT_FALSE(manager_.CreateOrUpdate(Request("d", {{"4c8g", 1}}, true, true)).ok());
  EXPECT_FALSE(manager_.Remove("d").ok());
  // An indivisible cluster lends no job clusters; unknown clusters are refused.
  rpc::JobConfig shared;
  shared.set_virtual_cluster_id("s");
  (*shared.mutable_job_cluster_replica_sets())["gpu"] = 1;
  EXPECT_EQ(manager_.AdmitJob(job2, shared).code(), StatusCode::kInvalidArgument);
  shared.clear_job_cluster_replica_sets();
  EXPECT_TRUE(manager_.AdmitJob(job2, shared).ok());
  shared.set_virtual_cluster_id("nope");
  Status unknown = manager_.AdmitJob(job2, shared);
  EXPECT_EQ(unknown.code(), StatusCode::kNotFound);
  EXPECT_NE(unknown.message().find("(virtual clusters: d, s)"), std::string::npos)
      << unknown.message();
  // A job cluster member that dies is replaced by an unsplit node of its parent.
  NodeID held;
  for (const NodeID& n : small_) {
    if (manager_.ClusterOf(n) == jc) held = n;
  }
  nodes_.Kill(held);
  manager_.OnNodeDead(held);
  EXPECT_EQ(nodes_.CountLabelled(jc), 2);
  EXPECT_EQ(nodes_.CountLabelled("d"), 0);
  EXPECT_EQ(manager_.Get("d")->at(0).missing().at("4c8g"), 1);
  // The job ends: its nodes go back to the cluster.
  manager_.OnJobFinished(job1);
  EXPECT_EQ(nodes_.CountLabelled(jc), 0);
  EXPECT_EQ(nodes_.CountLabelled("d"), 2);
  EXPECT_FALSE(manager_.Get(jc).ok());
  EXPECT_TRUE(manager_.Remove("d").ok());
}

TEST_F(VirtualClusterManagerTest, RestartedManagerReloadsClustersAndDropsDeadMembers) {
  ASSERT_TRUE(manager_.CreateOrUpdate(Request("a", {{"4c8g", 2}})).ok());
  NodeID member = manager_.ClusterOf(small_[0]) == "a" ? small_[0] : small_[1];
  nodes_.Kill(member);  // dies while no manager watches
  GcsVirtualClusterManager restarted(&storage_, &nodes_);
  ASSERT_TRUE(restarted.Initialize(LoadInitData(&storage_)).ok());
  auto a = restarted.Get("a");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->at(0).data().node_ids_size(), 2);  // refilled from the free 4c8g node
  EXPECT_EQ(restarted.ClusterOf(member), "");
  EXPECT_EQ(nodes_.CountLabelled("a"), 2);
}

NodeLoad Load(const std::string& cluster, double cpus) {
  NodeLoad n;
  n.node_id = NodeID::FromRandom();
  n.total.Set("CPU", cpus);
  n.available.Set("CPU", cpus);
  if (!cluster.empty()) n.labels[kVirtualClusterLabel] = cluster;
  return n;
}

TEST(VirtualClusterFilterTest, WorkStaysInItsClusterAndSaysWhyItWaits) {
  std::vector<NodeLoad> nodes = {Load("", 8), Load("a", 2), Load("a", 2), Load("b", 4)};
  SchedulingPolicy policy;
  ResourceSet one;
  one.Set("CPU", 1);
  for (int i = 0; i < 10; ++i) {
    SchedulingDecision d = PickInVirtualCluster(&policy, nodes, "a", false, nodes[0].node_id, one,
                                                rpc::SchedulingStrategy(), std::nullopt);
    ASSERT_EQ(d.kind, SchedulingDecision::Kind::kNode);
    EXPECT_TRUE(d.node_id == nodes[1].node_id || d.node_id == nodes[2].node_id);
  }
  // A job in no cluster uses the free node only, even when it is not the preferred one.
  SchedulingDecision free = PickInVirtualCluster(&policy, nodes, "", false, nodes[3].node_id,
                                                 one, rpc::SchedulingStrategy(), std::nullopt);
  EXPECT_EQ(free.node_id, nodes[0].node_id);
  ResourceSet big;
  big.Set("CPU", 3);
  SchedulingDecision too_big = PickInVirtualCluster(&policy, nodes, "a", true, nodes[0].node_id,
                                                    big, rpc::SchedulingStrategy(), std::nullopt);
  EXPECT_EQ(too_big.kind, SchedulingDecision::Kind::kInfeasible);
  EXPECT_NE(too_big.message.find("virtual cluster 'a' (2 alive nodes)"), std::string::npos)
      << too_big.message;
  SchedulingDecision none = PickInVirtualCluster(&policy, nodes, "gone", false, nodes[0].node_id,
                                                 one, rpc::SchedulingStrategy(), std::nullopt);
  EXPECT_EQ(none.kind, SchedulingDecision::Kind::kInfeasible);
  EXPECT_NE(none.message.find("virtual cluster 'gone' (0 alive nodes)"), std::string::npos);
}

}  // namespace
}  // namespace colony::gcs
