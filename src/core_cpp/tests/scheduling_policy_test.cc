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

rpc::LabelMatch Match(const std::string& key, rpc::LabelMatch::Op op,
                      std::vector<std::string> values = {}) {
  rpc::LabelMatch m;
  m.set_key(key);
  m.set_op(op);
  for (auto& v : values) m.add_values(v);
  return m;
}

TEST(LabelSelectorTest, OperatorsAndDescription) {
  NodeLabels labels = {{"zone", "a"}, {"disk", "ssd"}};
  EXPECT_TRUE(LabelMatchHolds(labels, Match("zone", rpc::LabelMatch::IN, {"a", "b"})));
  EXPECT_FALSE(LabelMatchHolds(labels, Match("zone", rpc::LabelMatch::IN, {"b"})));
  EXPECT_FALSE(LabelMatchHolds(labels, Match("rack", rpc::LabelMatch::IN, {"a"})));
  EXPECT_TRUE(LabelMatchHolds(labels, Match("zone", rpc::LabelMatch::NOT_IN, {"b"})));
  EXPECT_FALSE(LabelMatchHolds(labels, Match("zone", rpc::LabelMatch::NOT_IN, {"a"})));
  EXPECT_TRUE(LabelMatchHolds(labels, Match("rack", rpc::LabelMatch::NOT_IN, {"a"})));  // absent
  EXPECT_TRUE(LabelMatchHolds(labels, Match("disk", rpc::LabelMatch::EXISTS)));
  EXPECT_FALSE(LabelMatchHolds(labels, Match("gpu", rpc::LabelMatch::EXISTS)));
  EXPECT_TRUE(LabelMatchHolds(labels, Match("gpu", rpc::LabelMatch::DOES_NOT_EXIST)));
  EXPECT_FALSE(LabelMatchHolds(labels, Match("disk", rpc::LabelMatch::DOES_NOT_EXIST)));
  rpc::SchedulingStrategy s;
  *s.add_hard_labels() = Match("zone", rpc::LabelMatch::IN, {"a", "b"});
  *s.add_hard_labels() = Match("gpu", rpc::LabelMatch::EXISTS);
  EXPECT_FALSE(LabelsMatchAll(labels, s.hard_labels()));
  EXPECT_TRUE(LabelsMatchAll(labels, s.soft_labels()));  // empty: matches
  EXPECT_EQ(DescribeLabelMatches(s.hard_labels()),
            "{\"zone\": In(\"a\", \"b\"), \"gpu\": Exists()}");
}

TEST(SchedulingPolicyTest, NodeLabelsHardFilterSoftPreferAndInfeasibleNamesTheSelector) {
  SchedulingPolicy policy;
  std::vector<NodeLoad> nodes = {Node(4, 4), Node(4, 4), Node(4, 4)};
  nodes[0].labels = {{"zone", "a"}};
  nodes[1].labels = {{"zone", "b"}, {"disk", "ssd"}};
  nodes[2].labels = {{"zone", "c"}, {"disk", "ssd"}};
  const NodeID local = nodes[0].node_id;
  rpc::SchedulingStrategy s = Kind(rpc::SchedulingStrategy::NODE_LABEL);
  *s.add_hard_labels() = Match("zone", rpc::LabelMatch::IN, {"a", "b"});
  *s.add_soft_labels() = Match("disk", rpc::LabelMatch::EXISTS);
  // Hard keeps a and b; soft prefers b (it has room) over the local a.
  for (int i = 0; i < 3; i++) EXPECT_EQ(Picked(policy.Pick(nodes, local, Cpus(1), s)), nodes[1].node_id);
  // b full: soft gives way, a (hard match, room now) wins; c never.
  nodes[1].available = Cpus(0);
  EXPECT_EQ(Picked(policy.Pick(nodes, local, Cpus(1), s)), nodes[0].node_id);
  // No node matches the hard selector: infeasible, and the message names it.
  rpc::SchedulingStrategy none = Kind(rpc::SchedulingStrategy::NODE_LABEL);
  *none.add_hard_labels() = Match("zone", rpc::LabelMatch::IN, {"z"});
  SchedulingDecision d = policy.Pick(nodes, local, Cpus(1), none);
  EXPECT_EQ(d.kind, SchedulingDecision::Kind::kInfeasible);
  EXPECT_NE(d.message.find("{\"zone\": In(\"z\")} matches no alive node"), std::string::npos)
      << d.message;
  // Matches, but too small in total.
  d = policy.Pick(nodes, local, Cpus(16), s);
  EXPECT_EQ(d.kind, SchedulingDecision::Kind::kInfeasible);
  EXPECT_NE(d.message.find("cannot fit"), std::string::npos) << d.message;
  // Dead nodes do not count.
  nodes[0].alive = nodes[1].alive = false;
  EXPECT_EQ(policy.Pick(nodes, local, Cpus(1), s).kind, SchedulingDecision::Kind::kInfeasible);
}

TEST(SchedulingPolicyTest, WorkNotAskingForAScarceResourceAvoidsItsNodes) {
  SchedulingPolicyOptions options;
  options.scarce_resources.push_back("accel");
  SchedulingPolicy policy(options);
  NodeLoad gpu = Node(4, 4), accel = Node(4, 4), plain = Node(2, 2);
  gpu.total.Set("GPU", 1);
  gpu.available.Set("GPU", 1);
  accel.total.Set("accel", 2);
  accel.available.Set("accel", 2);
  std::vector<NodeLoad> nodes = {gpu, accel, plain};
  rpc::SchedulingStrategy def, spread = Kind(rpc::SchedulingStrategy::SPREAD);
  // CPU work leaves the GPU node (even its own, the preferred one) and the accel node alone.
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(Picked(policy.Pick(nodes, gpu.node_id, Cpus(1), def)), plain.node_id);
    EXPECT_EQ(Picked(policy.Pick(nodes, gpu.node_id, Cpus(1), spread)), plain.node_id);
  }
  // ...while the plain node is busy it queues there rather than take a scarce node.
  nodes[2].available = Cpus(0);
  EXPECT_EQ(Picked(policy.Pick(nodes, gpu.node_id, Cpus(1), def)), plain.node_id);
  // Only scarce nodes fit it in total: it goes there.
  EXPECT_NE(Picked(policy.Pick(nodes, gpu.node_id, Cpus(4), def)), plain.node_id);
  // Work asking for one scarce resource still avoids the other.
  ResourceSet wants_gpu = Cpus(1);
  wants_gpu.Set("GPU", 1);
  EXPECT_EQ(Picked(policy.Pick(nodes, plain.node_id, wants_gpu, def)), gpu.node_id);
  // NODE_AFFINITY is the user's explicit choice: honoured.
  EXPECT_EQ(Picked(policy.Pick(nodes, plain.node_id, Cpus(1), Affinity(gpu.node_id, false))),
            gpu.node_id);
  // Label selectors: among the nodes they allow.
  rpc::SchedulingStrategy only_gpu_node = Kind(rpc::SchedulingStrategy::NODE_LABEL);
  nodes[0].labels = {{"kind", "gpu"}};
  *only_gpu_node.add_hard_labels() = Match("kind", rpc::LabelMatch::IN, {"gpu"});
  EXPECT_EQ(Picked(policy.Pick(nodes, plain.node_id, Cpus(1), only_gpu_node)), gpu.node_id);
}

TEST(SchedulingPolicyTest, RealUsageCountsHiddenCpuAndMemoryPressureKeepsWorkAway) {
  SchedulingPolicyOptions options;
  options.real_usage = true;
  SchedulingPolicy real(options);
  SchedulingPolicy declared;
  std::vector<NodeLoad> nodes = {Node(2, 2), Node(2, 2)};
  const NodeID local = nodes[0].node_id;
  nodes[0].real_cpu = 1.8;  // a num_cpus=0 worker burning CPU
  rpc::SchedulingStrategy def;
  EXPECT_EQ(Picked(declared.Pick(nodes, local, Cpus(1), def)), local);
  EXPECT_EQ(Picked(real.Pick(nodes, local, Cpus(1), def)), nodes[1].node_id);
  // Memory pressure above the threshold: never there, even when it is the only free node.
  nodes[0].real_cpu = 0;
  nodes[1].memory_pressure = 0.97;
  nodes[0].available = Cpus(0);
  EXPECT_EQ(Picked(real.Pick(nodes, nodes[1].node_id, Cpus(1), def)), local);  // queues
  EXPECT_EQ(Picked(real.Pick(nodes, local, Cpus(1), Kind(rpc::SchedulingStrategy::SPREAD))),
            local);
  nodes[0].memory_pressure = 0.99;
  SchedulingDecision d = real.Pick(nodes, local, Cpus(1), def);
  EXPECT_EQ(d.kind, SchedulingDecision::Kind::kInfeasible);
  EXPECT_NE(d.message.find("memory-pressure threshold"), std::string::npos) << d.message;
  // NODE_AFFINITY names its node: left alone.
  EXPECT_EQ(Picked(real.Pick(nodes, local, Cpus(1), Affinity(nodes[1].node_id, false))),
            nodes[1].node_id);
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

TEST(SchedulingPolicyTest, ActorsAskingForNothingSpreadOverTheAliveNodes) {
  SchedulingPolicy policy;
  std::vector<NodeLoad> nodes = {Node(4, 4), Node(4, 4), Node(4, 4), Node(4, 4, /*alive=*/false)};
  NodeLoad gpu = Node(4, 4);
  gpu.total.Set("GPU", 1);
  gpu.available.Set("GPU", 1);
  nodes.push_back(gpu);
  const NodeID owner = nodes[1].node_id;
  rpc::SchedulingStrategy def;
  ResourceSet nothing, zero_cpu = Cpus(0);
  // The first goes to the owner's node (a tie), then each alive plain node takes its turn:
  // 9 land 3 per node, never on the dead node nor on the GPU node.
  std::map<NodeID, int> count;
  EXPECT_EQ(Picked(policy.PickActor(nodes, owner, nothing, def)), owner);
  count[owner]++;
  for (int i = 0; i < 8; i++) {
    count[Picked(policy.PickActor(nodes, owner, i % 2 ? nothing : zero_cpu, def))]++;
  }
  EXPECT_EQ(count.size(), 3u);
  for (int i = 0; i < 3; i++) EXPECT_EQ(count[nodes[i].node_id], 3) << i;
  // A new node has had none lately: it is next.
  nodes.push_back(Node(2, 2));
  EXPECT_EQ(Picked(policy.PickActor(nodes, owner, nothing, def)), nodes.back().node_id);
  // Actors that ask for resources keep DEFAULT (the owner's node under the threshold), and
  // so do tasks asking for nothing; other strategies are unchanged.
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(Picked(policy.PickActor(nodes, owner, Cpus(1), def)), owner);
    EXPECT_EQ(Picked(policy.Pick(nodes, owner, nothing, def)), owner);
    EXPECT_EQ(Picked(policy.PickActor(nodes, owner, nothing, Affinity(nodes[2].node_id, false))),
              nodes[2].node_id);
  }
  // Only the GPU node alive: it is used rather than nothing.
  for (size_t i = 0; i < nodes.size(); i++) nodes[i].alive = nodes[i].node_id == gpu.node_id;
  EXPECT_EQ(Picked(policy.PickActor(nodes, owner, nothing, def)), gpu.node_id);
  // Labels still filter: a hard selector naming one node keeps every such actor there.
  for (NodeLoad& node : nodes) node.alive = true;
  nodes[0].labels = {{"kind", "only"}};
  rpc::SchedulingStrategy only = Kind(rpc::SchedulingStrategy::NODE_LABEL);
  *only.add_hard_labels() = Match("kind", rpc::LabelMatch::IN, {"only"});
  for (int i = 0; i < 3; i++) {
    EXPECT_EQ(Picked(policy.PickActor(nodes, owner, nothing, only)), nodes[0].node_id);
  }
}

}  // namespace
}  // namespace colony
