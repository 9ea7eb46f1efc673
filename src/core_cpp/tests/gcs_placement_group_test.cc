// Units of placement groups in the GCS: the scheduler's placement by strategy and its
// two-phase commit with the raylets, driven through a fake of the bundle seam (no
// processes), and the manager's table (validation, names, removal, node death, reload).
#include <gtest/gtest.h>

#include <deque>
#include <cstring>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <vector>

#include "common/bundle_resources.h"
#include "common/event_loop.h"
#include "gcs/gcs_placement_group_manager.h"
#include "gcs/gcs_placement_group_scheduler.h"
#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/in_memory_store_client.h"

namespace colony::gcs {
namespace {

using Group = rpc::PlacementGroupTableData;

// Keeps every bundle call until the test answers it.
class FakeBundleClient : public BundleClient {
 public:
  struct Call {
    std::string kind;  // "prepare", "commit", "cancel"
    rpc::Address raylet;
    std::vector<rpc::Bundle> bundles;
    PrepareCallback prepared;
    DoneCallback done;
  };

  void PrepareBundleResources(const rpc::Address& raylet, const std::vector<rpc::Bundle>& bundles,
                              PrepareCallback callback) override {
    calls.push_back({"prepare", raylet, bundles, std::move(callback), nullptr});
  }
  void CommitBundleResources(const rpc::Address& raylet, const std::vector<rpc::Bundle>& bundles,
                             DoneCallback callback) override {
    calls.push_back({"commit", raylet, bundles, nullptr, std::move(callback)});
  }
  void CancelResourceReserve(const rpc::Address& raylet, const std::vector<rpc::Bundle>& bundles,
                             DoneCallback callback) override {
    calls.push_back({"cancel", raylet, bundles, nullptr, std::move(callback)});
  }

  size_t Count(const std::string& kind) const {
    size_t n = 0;
    for (const Call& c : calls) n += c.kind == kind ? 1 : 0;
    return n;
  }
  // Answers every call of `kind` in order; prepares on `failing_node` fail.
  void AnswerAll(const std::string& kind, const std::string& failing_node = "") {
    std::deque<Call> rest;
    std::vector<Call> todo;
    for (Call& c : calls) {
      if (c.kind == kind) todo.push_back(std::move(c)); else rest.push_back(std::move(c));
    }
    calls = std::move(rest);
    for (Call& c : todo) {
      answered.push_back(c);
      if (c.kind == "prepare") {
        rpc::PrepareBundleResourcesReply reply;
        bool fail = c.raylet.node_id() == failing_node;
        reply.set_success(!fail);
        if (fail) reply.set_failure_message("CPU: requested 2, have 0");
        c.prepared(Status::OK(), reply);
      } else if (c.done) {
        c.done(Status::OK());
      }
    }
  }

  std::deque<Call> calls;
  std::vector<Call> answered;
};

class RecordingListener : public PlacementGroupSchedulingListener {
 public:
  void OnPlacementCreated(const std::string& pg_id, const std::map<int, NodeID>& placed) override {
    created[pg_id] = placed;
  }
  void OnPlacementFailed(const std::string& pg_id, const std::string& reason) override {
    failed[pg_id] = reason;
  }
  std::map<std::string, std::map<int, NodeID>> created;
  std::map<std::string, std::string> failed;
};

NodeVisitor Visit(const std::vector<rpc::NodeInfo>* nodes) {
  return [nodes](const std::function<void(const rpc::NodeInfo&)>& visit) {
    for (const rpc::NodeInfo& node : *nodes) visit(node);
  };
}

rpc::NodeInfo Node(int n, std::map<std::string, double> resources) {
  rpc::NodeInfo node;
  NodeID id;
  std::memset(id.mutable_data(), 0, NodeID::kSize);
  id.mutable_data()[0] = static_cast<uint8_t>(n);
  node.set_node_id(id.Binary());
  node.set_ip("10.0.0." + std::to_string(n));
  node.set_raylet_port(7000 + n);
  node.set_alive(true);
  for (const auto& [k, v] : resources) {
    (*node.mutable_resources_total())[k] = v;
    (*node.mutable_resources_available())[k] = v;
  }
  return node;
}

Group MakeGroup(Group::Strategy strategy, std::vector<std::map<std::string, double>> bundles) {
  Group group;
  group.set_placement_group_id(NodeID::FromRandom().Binary());  // 16 random bytes
  group.set_strategy(strategy);
  for (size_t i = 0; i < bundles.size(); ++i) {
    rpc::Bundle* bundle = group.add_bundles();
    bundle->set_placement_group_id(group.placement_group_id());
    bundle->set_index(static_cast<int>(i));
    for (const auto& [k, v] : bundles[i]) (*bundle->mutable_resources())[k] = v;
  }
  return group;
}

class PlacementGroupSchedulerTest : public ::testing::Test {
 protected:
  PlacementGroupSchedulerTest()
      : scheduler_(Visit(&nodes_), &client_) {
    scheduler_.SetListener(&listener_);
    nodes_ = {Node(1, {{"CPU", 4}}), Node(2, {{"CPU", 4}}), Node(3, {{"CPU", 4}})};
  }
  std::set<std::string> NodesOf(const std::map<int, NodeID>& placed) {
    std::set<std::string> out;
    for (const auto& [i, n] : placed) out.insert(n.Binary());
    return out;
  }

  std::vector<rpc::NodeInfo> nodes_;
  FakeBundleClient client_;
  RecordingListener listener_;
  GcsPlacementGroupScheduler scheduler_;
};

TEST_F(PlacementGroupSchedulerTest, StrategiesPlaceAsPromised) {
  auto pack = scheduler_.Place(MakeGroup(Group::PACK, {{{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}}));
  EXPECT_TRUE(pack.error.empty()) << pack.error;
  EXPECT_EQ(NodesOf(pack.nodes).size(), 1u);

  auto strict_pack =
      scheduler_.Place(MakeGroup(Group::STRICT_PACK, {{{"CPU", 2}}, {{"CPU", 2}}}));
  EXPECT_EQ(NodesOf(strict_pack.nodes).size(), 1u);

  auto spread = scheduler_.Place(MakeGroup(Group::SPREAD, {{{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}}));
  EXPECT_EQ(NodesOf(spread.nodes).size(), 3u);

  auto strict_spread =
      scheduler_.Place(MakeGroup(Group::STRICT_SPREAD, {{{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}}));
  EXPECT_EQ(NodesOf(strict_spread.nodes).size(), 3u);

  // PACK spills over when one node cannot hold everything.
  auto big_pack = scheduler_.Place(MakeGroup(Group::PACK, {{{"CPU", 3}}, {{"CPU", 3}}}));
  EXPECT_TRUE(big_pack.error.empty()) << big_pack.error;
  EXPECT_EQ(NodesOf(big_pack.nodes).size(), 2u);
}

TEST_F(PlacementGroupSchedulerTest, InfeasibleNamesTheBundleAndTheResource) {
  auto gpu = scheduler_.Place(MakeGroup(Group::PACK, {{{"CPU", 1}}, {{"GPU", 1}}}));
  EXPECT_FALSE(gpu.wait);
  EXPECT_NE(gpu.error.find("bundle 1"), std::string::npos) << gpu.error;
  EXPECT_NE(gpu.error.find("GPU"), std::string::npos) << gpu.error;

  auto strict_pack = scheduler_.Place(MakeGroup(Group::STRICT_PACK, {{{"CPU", 3}}, {{"CPU", 3}}}));
  EXPECT_FALSE(strict_pack.wait);
  EXPECT_NE(strict_pack.error.find("STRICT_PACK"), std::string::npos) << strict_pack.error;

  auto strict_spread = scheduler_.Place(
      MakeGroup(Group::STRICT_SPREAD, {{{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}}));
  EXPECT_NE(strict_spread.error.find("STRICT_SPREAD"), std::string::npos) << strict_spread.error;

  // Fits the totals but not what is free now: waits.
  nodes_[0].mutable_resources_available()->at("CPU") = 0;
  nodes_[1].mutable_resources_available()->at("CPU") = 0;
  nodes_[2].mutable_resources_available()->at("CPU") = 0;
  auto busy = scheduler_.Place(MakeGroup(Group::PACK, {{{"CPU", 1}}}));
  EXPECT_TRUE(busy.wait);
}

TEST_F(PlacementGroupSchedulerTest, PrepareThenCommitCreatesTheGroup) {
  Group group = MakeGroup(Group::STRICT_SPREAD, {{{"CPU", 1}}, {{"CPU", 1}}});
  scheduler_.Schedule(group);
  EXPECT_EQ(client_.Count("prepare"), 2u);
  EXPECT_EQ(client_.Count("commit"), 0u);  // nothing commits before every prepare is in
  client_.AnswerAll("prepare");
  EXPECT_EQ(client_.Count("commit"), 2u);
  EXPECT_TRUE(listener_.created.empty());
  client_.AnswerAll("commit");
  ASSERT_EQ(listener_.created.count(group.placement_group_id()), 1u);
  EXPECT_EQ(NodesOf(listener_.created[group.placement_group_id()]).size(), 2u);
  EXPECT_EQ(client_.Count("cancel"), 0u);
}

TEST_F(PlacementGroupSchedulerTest, OneFailedPrepareRollsBackEveryBundle) {
  Group group = MakeGroup(Group::STRICT_SPREAD, {{{"CPU", 1}}, {{"CPU", 1}}, {{"CPU", 1}}});
  scheduler_.Schedule(group);
  ASSERT_EQ(client_.Count("prepare"), 3u);
  client_.AnswerAll("prepare", /*failing_node=*/nodes_[1].node_id());
  // No commit; a cancel to every node the attempt touched, failure reported only after.
  EXPECT_EQ(client_.Count("commit"), 0u);
  EXPECT_EQ(client_.Count("cancel"), 3u);
  EXPECT_TRUE(listener_.failed.empty());
  EXPECT_TRUE(scheduler_.IsScheduling(group.placement_group_id()));
  client_.AnswerAll("cancel");
  ASSERT_EQ(listener_.failed.count(group.placement_group_id()), 1u);
  EXPECT_NE(listener_.failed[group.placement_group_id()].find("could not reserve"),
            std::string::npos);
  EXPECT_TRUE(listener_.created.empty());
  EXPECT_FALSE(scheduler_.IsScheduling(group.placement_group_id()));
}

TEST_F(PlacementGroupSchedulerTest, CanceledAttemptIsRolledBackAfterPrepare) {
  Group group = MakeGroup(Group::PACK, {{{"CPU", 1}}});
  scheduler_.Schedule(group);
  scheduler_.Cancel(group.placement_group_id());
  client_.AnswerAll("prepare");
  EXPECT_EQ(client_.Count("commit"), 0u);
  EXPECT_EQ(client_.Count("cancel"), 1u);
  client_.AnswerAll("cancel");
  EXPECT_TRUE(listener_.created.empty());
  EXPECT_TRUE(listener_.failed.empty());  // a canceled attempt reports nothing
}

TEST_F(PlacementGroupSchedulerTest, ReservationsInFlightCountUntilTheNextReport) {
  // Two 3-CPU groups on one 4-CPU node each time: the second must not be put where the
  // first was reserved, though the node table still shows 4 free.
  nodes_ = {Node(1, {{"CPU", 4}}), Node(2, {{"CPU", 4}})};
  Group a = MakeGroup(Group::PACK, {{{"CPU", 3}}});
  Group b = MakeGroup(Group::PACK, {{{"CPU", 3}}});
  scheduler_.Schedule(a);
  scheduler_.Schedule(b);
  ASSERT_EQ(client_.Count("prepare"), 2u);
  EXPECT_NE(client_.calls[0].raylet.node_id(), client_.calls[1].raylet.node_id());
}

TEST_F(PlacementGroupSchedulerTest, StrictSpreadReschedulingAvoidsNodesOfTheOtherBundles) {
  Group group = MakeGroup(Group::STRICT_SPREAD, {{{"CPU", 1}}, {{"CPU", 1}}});
  group.mutable_bundles(0)->set_node_id(nodes_[0].node_id());
  auto placement = scheduler_.Place(group);
  ASSERT_TRUE(placement.error.empty()) << placement.error;
  ASSERT_EQ(placement.nodes.size(), 1u);  // only the unplaced bundle
  EXPECT_NE(placement.nodes.at(1).Binary(), nodes_[0].node_id());
}

TEST(BundleResourcesTest, NamesAndDemandRewrite) {
  ResourceSet committed = CommittedBundleResources({{"CPU", 2}}, "ab", 1);
  EXPECT_EQ(committed.Get("CPU_group_ab_1"), 2);
  EXPECT_EQ(committed.Get("CPU_group_ab"), 2);
  EXPECT_GT(committed.Get("bundle_group_ab_1"), 0);
  auto demand = DemandInBundle({{"CPU", 1}}, "ab", -1);
  EXPECT_EQ(demand.at("CPU_group_ab"), 1);
  EXPECT_GT(demand.at("bundle_group_ab"), 0);
  EXPECT_TRUE(committed.Contains(ResourceSet::FromMap(demand)));
  auto nothing = DemandInBundle({}, "ab", 1);  // a task asking for nothing still lands there
  EXPECT_EQ(nothing.size(), 1u);
  EXPECT_TRUE(committed.Contains(ResourceSet::FromMap(nothing)));
}

// The manager, over the same fake seam and an in-memory store.
class PlacementGroupManagerTest : public ::testing::Test {
 protected:
  PlacementGroupManagerTest()
      : storage_(&store_),
        scheduler_(Visit(&nodes_), &client_),
        manager_(&loop_, &storage_, &scheduler_,
                 [this](const std::string& pg_id) { killed_.push_back(pg_id); }) {
    nodes_ = {Node(1, {{"CPU", 2}}), Node(2, {{"CPU", 2}})};
  }

  Status Create(const Group& group) {
    rpc::CreatePlacementGroupRequest request;
    *request.mutable_placement_group() = group;
    rpc::CreatePlacementGroupReply reply;
    Status result = Status::Internal("no reply");
    manager_.HandleCreatePlacementGroup(request, &reply, [&](Status s) { result = s; });
    loop_.RunPending();
    return result;
  }

  EventLoop loop_;
  InMemoryStoreClient store_;
  GcsTableStorage storage_;
  std::vector<rpc::NodeInfo> nodes_;
  FakeBundleClient client_;
  GcsPlacementGroupScheduler scheduler_;
  std::vector<std::string> killed_;
  GcsPlacementGroupManager manager_;
};

TEST_F(PlacementGroupManagerTest, BadGroupsAreRefusedWithTheReason) {
  Status empty = Create(MakeGroup(Group::PACK, {}));
  EXPECT_EQ(empty.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(empty.message().find("at least one bundle"), std::string::npos);
  Status zero = Create(MakeGroup(Group::PACK, {{{"CPU", 0}}}));
  EXPECT_NE(zero.message().find("bundle 0 asks for no resources"), std::string::npos)
      << zero.ToString();
  Status negative = Create(MakeGroup(Group::PACK, {{{"CPU", -1}}}));
  EXPECT_EQ(negative.code(), StatusCode::kInvalidArgument);
  Group unknown = MakeGroup(Group::PACK, {{{"CPU", 1}}});
  unknown.set_strategy(static_cast<Group::Strategy>(9));
  EXPECT_NE(Create(unknown).message().find("unknown placement strategy"), std::string::npos);
  EXPECT_EQ(manager_.num_groups(), 0u);
}

TEST_F(PlacementGroupManagerTest, CreateRemoveAndNames) {
  Group group = MakeGroup(Group::PACK, {{{"CPU", 1}}});
  group.set_name("g");
  ASSERT_TRUE(Create(group).ok());
  EXPECT_TRUE(Create(group).ok());  // a retried create is the same group
  Group other = MakeGroup(Group::PACK, {{{"CPU", 1}}});
  other.set_name("g");
  EXPECT_EQ(Create(other).code(), StatusCode::kAlreadyExists);
  client_.AnswerAll("prepare");
  client_.AnswerAll("commit");
  loop_.RunPending();
  ASSERT_EQ(manager_.Get(group.placement_group_id())->state(), Group::CREATED);
  EXPECT_FALSE(manager_.Get(group.placement_group_id())->bundles(0).node_id().empty());

  rpc::RemovePlacementGroupRequest remove;
  remove.set_placement_group_id(group.placement_group_id());
  rpc::RemovePlacementGroupReply removed;
  manager_.HandleRemovePlacementGroup(remove, &removed, [](Status) {});
  loop_.RunPending();
  EXPECT_EQ(manager_.Get(group.placement_group_id())->state(), Group::REMOVED);
  EXPECT_EQ(client_.Count("cancel"), 1u);  // its committed bundle goes back
  ASSERT_EQ(killed_.size(), 1u);           // and its actors die
  EXPECT_TRUE(Create(other).ok());          // the name is free again
}

TEST_F(PlacementGroupManagerTest, NodeDeathReschedulesTheLostBundles) {
  Group group = MakeGroup(Group::STRICT_SPREAD, {{{"CPU", 1}}, {{"CPU", 1}}});
  ASSERT_TRUE(Create(group).ok());
  client_.AnswerAll("prepare");
  client_.AnswerAll("commit");
  ASSERT_EQ(manager_.Get(group.placement_group_id())->state(), Group::CREATED);
  // Node 1 dies and node 3 joins: only the bundle of node 1 is placed again, on node 3.
  std::string dead = nodes_[0].node_id();
  nodes_[0].set_alive(false);
  nodes_.push_back(Node(3, {{"CPU", 2}}));
  manager_.OnNodeDead(NodeID::FromBinary(dead));
  EXPECT_EQ(manager_.Get(group.placement_group_id())->state(), Group::RESCHEDULING);
  ASSERT_EQ(client_.Count("prepare"), 1u);
  EXPECT_EQ(client_.calls[0].bundles.size(), 1u);
  EXPECT_EQ(client_.calls[0].raylet.node_id(), nodes_[2].node_id());
  client_.AnswerAll("prepare");
  client_.AnswerAll("commit");
  const Group* after = manager_.Get(group.placement_group_id());
  EXPECT_EQ(after->state(), Group::CREATED);
  for (const rpc::Bundle& b : after->bundles()) EXPECT_NE(b.node_id(), dead);
}

TEST_F(PlacementGroupManagerTest, InfeasibleGroupWaitsWithItsReasonThenIsCreated) {
  Group group = MakeGroup(Group::PACK, {{{"GPU", 1}}});
  ASSERT_TRUE(Create(group).ok());
  const Group* pending = manager_.Get(group.placement_group_id());
  EXPECT_EQ(pending->state(), Group::PENDING);
  EXPECT_NE(pending->pending_reason().find("bundle 0"), std::string::npos);
  EXPECT_NE(pending->pending_reason().find("GPU"), std::string::npos);
  nodes_.push_back(Node(3, {{"GPU", 1}}));
  manager_.OnNodeAdded();
  client_.AnswerAll("prepare");
  client_.AnswerAll("commit");
  EXPECT_EQ(manager_.Get(group.placement_group_id())->state(), Group::CREATED);
}

TEST_F(PlacementGroupManagerTest, JobEndRemovesItsGroupsButNotDetachedOnes) {
  JobID job = JobID::FromInt(7);
  Group mine = MakeGroup(Group::PACK, {{{"CPU", 1}}});
  mine.set_creator_job_id(job.Binary());
  Group detached = MakeGroup(Group::PACK, {{{"CPU", 1}}});
  detached.set_creator_job_id(job.Binary());
  detached.set_detached(true);
  ASSERT_TRUE(Create(mine).ok());
  ASSERT_TRUE(Create(detached).ok());
  manager_.OnJobFinished(job);
  EXPECT_EQ(manager_.Get(mine.placement_group_id())->state(), Group::REMOVED);
  EXPECT_NE(manager_.Get(detached.placement_group_id())->state(), Group::REMOVED);
}

TEST_F(PlacementGroupManagerTest, ReloadKeepsCreatedGroupsAndRollsBackUnfinishedOnes) {
  Group created = MakeGroup(Group::PACK, {{{"CPU", 1}}});
  ASSERT_TRUE(Create(created).ok());
  client_.AnswerAll("prepare");
  client_.AnswerAll("commit");
  Group pending = MakeGroup(Group::PACK, {{{"CPU", 1}}});
  ASSERT_TRUE(Create(pending).ok());  // left mid-prepare
  loop_.RunPending();

  GcsInitData data;
  storage_.Load([&](StatusOr<GcsInitData> loaded) { data = std::move(*loaded); });
  loop_.RunPending();
  for (const rpc::NodeInfo& node : nodes_) data.nodes[node.node_id()] = node;
  ASSERT_EQ(data.placement_groups.size(), 2u);

  FakeBundleClient client2;
  GcsPlacementGroupScheduler scheduler2(Visit(&nodes_), &client2);
  GcsPlacementGroupManager reloaded(&loop_, &storage_, &scheduler2, nullptr);
  ASSERT_TRUE(reloaded.Initialize(data).ok());
  EXPECT_EQ(reloaded.Get(created.placement_group_id())->state(), Group::CREATED);
  // The unfinished group is cancelled on every node first, then placed again.
  EXPECT_EQ(client2.Count("cancel"), nodes_.size());
  EXPECT_EQ(client2.Count("prepare"), 0u);
  client2.AnswerAll("cancel");
  EXPECT_EQ(client2.Count("prepare"), 1u);
}

}  // namespace
}  // namespace colony::gcs
