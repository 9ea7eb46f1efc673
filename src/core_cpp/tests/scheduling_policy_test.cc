// The one scheduling policy the raylets and the GCS share.
#include "common/scheduling_policy.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

namespace colony {
namespace {

ResourceSet Cpus(double n) { return ResourceSet::FromMap({{"CPU", n}}); }

NodeLoad Node(double total_cpu, double free_cpu, bool alive = true) {
  return NodeLoad{NodeID::FromRandom(), Cpus(total_cpu), Cpus(free_cpu), alive};
}

rpc::SchedulingStrategy Kind(rpc::SchedulingStrategy::Kind kind) {
  rpc::SchedulingStrategy s;
  s.set_kind(kind);
  return s;
}

rpc::SchedulingStrategy Affinity(const NodeID& node, bool soft) {
  rpc::SchedulingStrategy s = Kind(rpc::SchedulingStrategy::NODE_AFFINITY);
  s.set_node_id(node.Binary());
  s.set_soft(soft);
  return s;
}

NodeID Picked(const SchedulingDecision& d) {
  EXPECT_EQ(d.kind, SchedulingDecision::Kind::kNode) << d.message;
  return d.node_id;
}

TEST(SchedulingPolicyTest, DefaultPacksUntilThresholdThenLeastLoaded) {
  SchedulingPolicy policy;
  std::vector<NodeLoad> nodes = {Node(4, 4), Node(4, 3)};
  const NodeID local = nodes[0].node_id;
  rpc::SchedulingStrategy def;
  EXPECT_EQ(Picked(policy.Pick(nodes, local, Cpus(1), def)), local);
  nodes[0].available = Cpus(2);  // half used: no longer packed onto
  EXPECT_EQ(Picked(policy.Pick(nodes, local, Cpus(1), def)), nodes[1].node_id);
  nodes[1].available = Cpus(1);  // the other is busier: local wins on load
  EXPECT_EQ(Picked(policy.Pick(nodes, local, Cpus(1), def)), local);
  // Nothing free anywhere: queue at the local node.
  nodes[0].available = Cpus(0);
  nodes[1].available = Cpus(0);
  EXPECT_EQ(Picked(policy.Pick(nodes, local, Cpus(1), def)), local);
  // Local totals too small: the node whose totals fit, even if busy.
  nodes[1].total = Cpus(8);
  EXPECT_EQ(Picked(policy.Pick(nodes, local, Cpus(6), def)), nodes[1].node_id);
  // Nobody fits in total: infeasible.
  EXPECT_EQ(policy.Pick(nodes, local, Cpus(16), def).kind, SchedulingDecision::Kind::kInfeasible);
}

TEST(SchedulingPolicyTest, ThresholdIsConfigurable) {
  SchedulingPolicy packing(SchedulingPolicyOptions{1.0});
  std::vector<NodeLoad> nodes = {Node(4, 1), Node(4, 4)};
  EXPECT_EQ(Picked(packing.Pick(nodes, nodes[0].node_id, Cpus(1), {})), nodes[0].node_id);
  SchedulingPolicy spreading(SchedulingPolicyOptions{0.0});
  nodes[0].available = Cpus(4);
  nodes[1].available = Cpus(4);
  // At 0 even an idle local node competes; ties keep it.
  EXPECT_EQ(Picked(spreading.Pick(nodes, nodes[0].node_id, Cpus(1), {})), nodes[0].node_id);
}

TEST(SchedulingPolicyTest, DeadNodesAreNeverPicked) {
  SchedulingPolicy policy;
  std::vector<NodeLoad> nodes = {Node(1, 0), Node(64, 64, /*alive=*/false)};
  EXPECT_EQ(Picked(policy.Pick(nodes, nodes[0].node_id, Cpus(1), {})), nodes[0].node_id);
  EXPECT_EQ(policy.Pick(nodes, nodes[0].node_id, Cpus(8), {}).kind,
            SchedulingDecision::Kind::kInfeasible);
}

TEST(SchedulingPolicyTest, UtilizationCountsEveryResource) {
  NodeLoad gpu_taken{NodeID::FromRandom(), ResourceSet::FromMap({{"CPU", 4}, {"GPU", 1}}),
                     ResourceSet::FromMap({{"CPU", 4}}), true};
  EXPECT_DOUBLE_EQ(SchedulingPolicy::Utilization(gpu_taken), 1.0);
  EXPECT_DOUBLE_EQ(SchedulingPolicy::Utilization(Node(4, 3)), 0.25);
  NodeLoad empty{NodeID::FromRandom(), ResourceSet(), ResourceSet(), true};
  EXPECT_DOUBLE_EQ(SchedulingPolicy::Utilization(empty), 1.0);
}

TEST(SchedulingPolicyTest, SpreadWalksTheNodesThatFit) {
  SchedulingPolicy policy;
  std::vector<NodeLoad> nodes = {Node(2, 2), Node(2, 2), Node(2, 2), Node(2, 0)};
  auto spread = Kind(rpc::SchedulingStrategy::SPREAD);
  std::set<NodeID> seen;
  for (int i = 0; i < 3; i++) seen.insert(Picked(policy.Pick(nodes, nodes[0].node_id, Cpus(1), spread)));
  EXPECT_EQ(seen.size(), 3u);
  EXPECT_EQ(seen.count(nodes[3].node_id), 0u);  // full
  // None free: the least loaded whose totals fit.
  for (auto& n : nodes) n.available = Cpus(0);
  nodes[2].available = Cpus(0.5);
  EXPECT_EQ(Picked(policy.Pick(nodes, nodes[0].node_id, Cpus(1), spread)), nodes[2].node_id);
}

// The rotation survives nodes leaving and rejoining the set that fits: with the nodes
// sorted a < b < c, c free only every other pick, c still gets its turns.
TEST(SchedulingPolicyTest, SpreadRotationSurvivesAChangingSetOfNodesThatFit) {
  SchedulingPolicy policy;
  std::vector<NodeLoad> nodes = {Node(2, 2), Node(2, 2), Node(2, 2)};
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeLoad& x, const NodeLoad& y) { return x.node_id < y.node_id; });
  auto spread = Kind(rpc::SchedulingStrategy::SPREAD);
  std::map<NodeID, int> picks;
  for (int i = 0; i < 30; i++) {
    nodes[2].available = Cpus(i % 2 == 0 ? 2 : 0);
    picks[Picked(policy.Pick(nodes, nodes[0].node_id, Cpus(1), spread))]++;
  }
  EXPECT_GE(picks[nodes[2].node_id], 5);
  EXPECT_GE(picks[nodes[0].node_id], 5);
  EXPECT_GE(picks[nodes[1].node_id], 5);
}

TEST(SchedulingPolicyTest, NodeAffinityHardAndSoft) {
  SchedulingPolicy policy;
  std::vector<NodeLoad> nodes = {Node(4, 4), Node(2, 0), Node(8, 8, /*alive=*/false)};
  const NodeID local = nodes[0].node_id;
  // Busy target: still that node (its raylet queues the request).
  EXPECT_EQ(Picked(policy.Pick(nodes, local, Cpus(1), Affinity(nodes[1].node_id, false))),
            nodes[1].node_id);
  SchedulingDecision dead = policy.Pick(nodes, local, Cpus(1), Affinity(nodes[2].node_id, false));
  EXPECT_EQ(dead.kind, SchedulingDecision::Kind::kUnschedulable);
  EXPECT_NE(dead.message.find("is dead"), std::string::npos);
  SchedulingDecision unknown =
      policy.Pick(nodes, local, Cpus(1), Affinity(NodeID::FromRandom(), false));
  EXPECT_NE(unknown.message.find("not in the cluster"), std::string::npos);
  SchedulingDecision too_big = policy.Pick(nodes, local, Cpus(4), Affinity(nodes[1].node_id, false));
  EXPECT_NE(too_big.message.find("cannot fit"), std::string::npos);
  // Soft falls back to the default policy.
  EXPECT_EQ(Picked(policy.Pick(nodes, local, Cpus(1), Affinity(nodes[2].node_id, true))), local);
}

}  // namespace
}  // namespace colony
