// Units of the GCS pieces: storage, KV, jobs, nodes, health checks and the node-change
// long poll, driven directly (no gRPC).
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <future>
#include <memory>

#include "common/event_loop.h"
#include "gcs/gcs_health_checker.h"
#include "gcs/gcs_job_manager.h"
#include "gcs/gcs_kv_manager.h"
#include "gcs/gcs_node_change_publisher.h"
#include "gcs/gcs_node_manager.h"
#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/in_memory_store_client.h"
#include "gcs_store_test_util.h"

namespace colony::gcs {
namespace {

using std::chrono::milliseconds;
using testing::Await;
using testing::LoadInitData;
using testing::SyncStore;

// Records the status a handler replies with; `done` is fulfilled on the reply.
struct CapturedReply {
  std::shared_ptr<std::promise<Status>> promise = std::make_shared<std::promise<Status>>();
  std::future<Status> done = promise->get_future();
  rpc::SendReply Send() {
    return [p = promise](Status status) { p->set_value(std::move(status)); };
  }
  bool Ready(int64_t wait_ms = 0) {
    return done.wait_for(milliseconds(wait_ms)) == std::future_status::ready;
  }
};

// Runs `fn` on the (running) loop and waits for it.
void RunOnLoop(EventLoop* loop, const std::function<void()>& fn) {
  std::promise<void> ran;
  loop->Post([&]() {
    fn();
    ran.set_value();
  });
  ran.get_future().wait();
}

rpc::NodeInfo MakeNode(const NodeID& id, double cpus = 4) {
  rpc::NodeInfo node;
  node.set_node_id(id.Binary());
  node.set_ip("127.0.0.1");
  node.set_raylet_port(1234);
  (*node.mutable_resources_total())["CPU"] = cpus;
  return node;
}

// The KV manager's calls, waited for.
class SyncKv {
 public:
  explicit SyncKv(GcsKvManager* kv) : kv_(kv) {}
  StatusOr<bool> Put(const std::string& ns, const std::string& k, const std::string& v, bool ow) {
    return Await<bool>([&](auto cb) { kv_->Put(ns, k, v, ow, cb); });
  }
  StatusOr<std::optional<std::string>> Get(const std::string& ns, const std::string& k) {
    return Await<std::optional<std::string>>([&](auto cb) { kv_->Get(ns, k, cb); });
  }
  StatusOr<int64_t> Del(const std::string& ns, const std::string& k, bool by_prefix) {
    return Await<int64_t>([&](auto cb) { kv_->Del(ns, k, by_prefix, cb); });
  }

 private:
  GcsKvManager* kv_;
};

TEST(GcsStoreTest, PutGetDeleteAndOverwrite) {
  InMemoryStoreClient backend;
  SyncStore store(&backend);
  EXPECT_FALSE(store.Get("t", "k")->has_value());
  EXPECT_TRUE(*store.Put("t", "k", "v1", false));
  EXPECT_FALSE(*store.Put("t", "k", "v2", false));
  EXPECT_EQ(**store.Get("t", "k"), "v1");
  EXPECT_FALSE(*store.Put("t", "k", "v3", true));
  EXPECT_EQ(**store.Get("t", "k"), "v3");
  EXPECT_FALSE(store.Get("other", "k")->has_value());  // tables are separate
  EXPECT_TRUE(*store.Delete("t", "k"));
  EXPECT_FALSE(*store.Delete("t", "k"));
  EXPECT_FALSE(store.Get("t", "k")->has_value());
}

TEST(GcsStoreTest, KeysGetAllAndDeleteByPrefix) {
  InMemoryStoreClient backend;
  SyncStore store(&backend);
  for (const char* key : {"a/1", "a/2", "ab", "b/1"}) ASSERT_TRUE(store.Put("t", key, key, true).ok());
  ASSERT_TRUE(store.Put("u", "a/3", "x", true).ok());
  EXPECT_EQ(*store.Keys("t", "a/"), (std::vector<std::string>{"a/1", "a/2"}));
  EXPECT_EQ(store.Keys("t", "")->size(), 4u);
  EXPECT_EQ(store.GetAll("t")->size(), 4u);
  EXPECT_TRUE(store.GetAll("missing")->empty());
  EXPECT_EQ(*store.DeleteByPrefix("t", "a"), 3);
  EXPECT_EQ(*store.Keys("t", ""), (std::vector<std::string>{"b/1"}));
  EXPECT_EQ(store.Keys("u", "")->size(), 1u);
  // Binary keys with embedded NULs survive.
  std::string binary("k\0\xff", 3);
  ASSERT_TRUE(store.Put("t", binary, "bin", true).ok());
  EXPECT_EQ(**store.Get("t", binary), "bin");
}

TEST(GcsKvManagerTest, OverwriteFalseKeepsOldValue) {
  InMemoryStoreClient store;
  GcsKvManager kv_manager(&store);
  SyncKv kv(&kv_manager);
  EXPECT_TRUE(*kv.Put("ns", "k", "old", false));
  EXPECT_FALSE(*kv.Put("ns", "k", "new", false));
  EXPECT_EQ(**kv.Get("ns", "k"), "old");
  EXPECT_FALSE(*kv.Put("ns", "k", "new", true));
  EXPECT_EQ(**kv.Get("ns", "k"), "new");
}

TEST(GcsKvManagerTest, HandlersScopeKeysToNamespaceAndPrefix) {
  InMemoryStoreClient store;
  GcsKvManager kv_manager(&store);
  SyncKv kv(&kv_manager);
  for (const char* key : {"fn:1", "fn:2", "other"}) ASSERT_TRUE(kv.Put("ns", key, "v", true).ok());
  ASSERT_TRUE(kv.Put("ns2", "fn:3", "v", true).ok());

  rpc::KvKeysRequest keys_request;
  keys_request.set_ns("ns");
  keys_request.set_prefix("fn:");
  rpc::KvKeysReply keys_reply;
  CapturedReply keys_done;
  kv_manager.HandleKvKeys(keys_request, &keys_reply, keys_done.Send());
  ASSERT_TRUE(keys_done.done.get().ok());
  ASSERT_EQ(keys_reply.keys_size(), 2);
  EXPECT_EQ(keys_reply.keys(0), "fn:1");

  rpc::KvDelRequest del_request;
  del_request.set_ns("ns");
  del_request.set_key("fn:");
  del_request.set_by_prefix(true);
  rpc::KvDelReply del_reply;
  CapturedReply del_done;
  kv_manager.HandleKvDel(del_request, &del_reply, del_done.Send());
  ASSERT_TRUE(del_done.done.get().ok());
  EXPECT_EQ(del_reply.deleted(), 2);
  EXPECT_EQ(*kv.Del("ns", "other", false), 1);
  EXPECT_EQ(*kv.Del("ns", "other", false), 0);

  rpc::KvGetRequest get_request;
  get_request.set_ns("ns2");
  get_request.set_key("fn:3");
  rpc::KvGetReply get_reply;
  CapturedReply get_done;
  kv_manager.HandleKvGet(get_request, &get_reply, get_done.Send());
  ASSERT_TRUE(get_done.done.get().ok());
  EXPECT_TRUE(get_reply.found());
  EXPECT_EQ(get_reply.value(), "v");
}

TEST(GcsJobManagerTest, JobIdsIncrementFromOne) {
  InMemoryStoreClient store;
  GcsTableStorage storage(&store);
  GcsJobManager jobs(&storage);
  ASSERT_TRUE(jobs.Initialize(LoadInitData(&storage)).ok());
  rpc::JobInfo info;
  info.set_namespace_("demo");
  EXPECT_EQ(jobs.AddJob(info)->ToInt(), 1u);
  EXPECT_EQ(jobs.AddJob(info)->ToInt(), 2u);
  ASSERT_TRUE(jobs.MarkJobFinished(JobID::FromInt(1)).ok());
  EXPECT_EQ(jobs.MarkJobFinished(JobID::FromInt(9)).code(), StatusCode::kNotFound);

  auto all = jobs.GetAllJobs();
  ASSERT_EQ(all.size(), 2u);
  EXPECT_TRUE(all[0].is_dead());
  EXPECT_GE(all[0].end_time_ms(), all[0].start_time_ms());
  EXPECT_GT(all[0].start_time_ms(), 0);
  EXPECT_FALSE(all[1].is_dead());
  EXPECT_EQ(all[1].namespace_(), "demo");
}

TEST(GcsJobManagerTest, RestartedManagerReloadsJobsAndContinuesIds) {
  InMemoryStoreClient store;
  GcsTableStorage storage(&store);
  {
    GcsJobManager jobs(&storage);
    ASSERT_TRUE(jobs.Initialize(LoadInitData(&storage)).ok());
    ASSERT_TRUE(jobs.AddJob(rpc::JobInfo()).ok());
    ASSERT_TRUE(jobs.AddJob(rpc::JobInfo()).ok());
  }
  GcsJobManager restarted(&storage);
  ASSERT_TRUE(restarted.Initialize(LoadInitData(&storage)).ok());
  EXPECT_EQ(restarted.GetAllJobs().size(), 2u);
  EXPECT_EQ(restarted.AddJob(rpc::JobInfo())->ToInt(), 3u);
}

TEST(GcsNodeManagerTest, RegisterReportAndUnregister) {
  InMemoryStoreClient store;
  GcsTableStorage storage(&store);
  GcsNodeManager nodes(&storage);
  std::vector<rpc::NodeInfo> changes;
  nodes.AddNodeChangeListener([&](const rpc::NodeInfo& node) { changes.push_back(node); });
  NodeID id = NodeID::FromRandom();

  rpc::ReportResourcesRequest report;
  report.set_node_id(id.Binary());
  (*report.mutable_resources_available())["CPU"] = 1;
  EXPECT_FALSE(nodes.ReportResources(report));  // not registered yet

  ASSERT_TRUE(nodes.RegisterNode(MakeNode(id)).ok());
  EXPECT_TRUE(nodes.ReportResources(report));
  auto all = nodes.GetAllNodes();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_TRUE(all[0].alive());
  EXPECT_EQ(all[0].resources_available().at("CPU"), 1);
  EXPECT_EQ(all[0].resources_total().at("CPU"), 4);  // kept: the report had no total

  rpc::UnregisterNodeRequest unregister;
  unregister.set_node_id(id.Binary());
  unregister.set_reason("raylet exiting");
  CapturedReply unregistered;
  rpc::UnregisterNodeReply unregister_reply;
  nodes.HandleUnregisterNode(unregister, &unregister_reply, unregistered.Send());
  ASSERT_TRUE(unregistered.done.get().ok());

  all = nodes.GetAllNodes();
  ASSERT_EQ(all.size(), 1u);
  EXPECT_FALSE(all[0].alive());
  EXPECT_EQ(all[0].death_reason(), "raylet exiting");
  EXPECT_FALSE(nodes.ReportResources(report));  // dead: the raylet learns it was dropped
  EXPECT_EQ(nodes.RegisterNode(MakeNode(id)).code(), StatusCode::kInvalidArgument);
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_TRUE(changes[0].alive());
  EXPECT_FALSE(changes[1].alive());
  EXPECT_EQ(nodes.MarkNodeDead(NodeID::FromRandom(), "x").code(), StatusCode::kNotFound);
}

// Found by src/core_cpp/fuzz/gcs_handlers_fuzzer (absurd resource figures reached the
// scheduler's arithmetic): node registrations and reports with them are refused.
TEST(GcsNodeManagerTest, AbsurdResourceFiguresAreRefused) {
  InMemoryStoreClient store;
  GcsTableStorage storage(&store);
  GcsNodeManager nodes(&storage);
  NodeID id = NodeID::FromRandom();
  for (double bad : {std::nan(""), double{INFINITY}, -1.0, 1e300}) {
    rpc::NodeInfo node = MakeNode(id);
    (*node.mutable_resources_total())["CPU"] = bad;
    Status status = nodes.RegisterNode(node);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(status.message().find("resources_total[\"CPU\"]"), std::string::npos) << status.message();
  }
  EXPECT_TRUE(nodes.GetAllNodes().empty());
  ASSERT_TRUE(nodes.RegisterNode(MakeNode(id)).ok());

  rpc::ReportResourcesRequest report;
  report.set_node_id(id.Binary());
  (*report.mutable_resources_available())["CPU"] = -1;  // over-committed: allowed
  CapturedReply ok;
  rpc::ReportResourcesReply reply;
  nodes.HandleReportResources(report, &reply, ok.Send());
  EXPECT_TRUE(ok.done.get().ok());
  (*report.mutable_resources_available())["CPU"] = std::nan("");
  CapturedReply refused;
  nodes.HandleReportResources(report, &reply, refused.Send());
  Status status = refused.done.get();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("resources_available"), std::string::npos);
  EXPECT_EQ(nodes.GetAllNodes()[0].resources_available().at("CPU"), -1);
}

TEST(GcsNodeManagerTest, RestartedManagerReloadsNodes) {
  InMemoryStoreClient store;
  GcsTableStorage storage(&store);
  NodeID alive = NodeID::FromRandom();
  NodeID dead = NodeID::FromRandom();
  {
    GcsNodeManager nodes(&storage);
    ASSERT_TRUE(nodes.RegisterNode(MakeNode(alive)).ok());
    ASSERT_TRUE(nodes.RegisterNode(MakeNode(dead)).ok());
    ASSERT_TRUE(nodes.MarkNodeDead(dead, "gone").ok());
  }
  GcsNodeManager restarted(&storage);
  int notified = 0;
  restarted.AddNodeChangeListener([&](const rpc::NodeInfo&) { notified++; });
  ASSERT_TRUE(restarted.Initialize(LoadInitData(&storage)).ok());
  EXPECT_EQ(notified, 2);
  for (const auto& node : restarted.GetAllNodes()) {
    EXPECT_EQ(node.alive(), NodeID::FromBinary(node.node_id()) == alive);
  }
}

TEST(GcsNodeChangePublisherTest, ReturnsAtOnceWhenChangesExist) {
  EventLoop loop;  // not running: nothing here is held
  GcsNodeChangePublisher publisher(&loop);
  NodeID a = NodeID::FromRandom();
  NodeID b = NodeID::FromRandom();
  publisher.Publish(MakeNode(a));
  publisher.Publish(MakeNode(b));
  rpc::NodeInfo a_dead = MakeNode(a);
  a_dead.set_alive(false);
  publisher.Publish(a_dead);
  EXPECT_EQ(publisher.sequence(), 3);

  rpc::PollNodeChangesRequest request;  // after_sequence = 0: everything
  rpc::PollNodeChangesReply reply;
  CapturedReply done;
  publisher.HandlePollNodeChanges(request, &reply, done.Send());
  ASSERT_TRUE(done.Ready());
  EXPECT_EQ(reply.sequence(), 3);
  ASSERT_EQ(reply.changed_size(), 2);  // latest state per node, oldest change first
  EXPECT_EQ(reply.changed(0).node_id(), b.Binary());
  EXPECT_EQ(reply.changed(1).node_id(), a.Binary());
  EXPECT_FALSE(reply.changed(1).alive());

  request.set_after_sequence(2);
  rpc::PollNodeChangesReply later;
  CapturedReply later_done;
  publisher.HandlePollNodeChanges(request, &later, later_done.Send());
  ASSERT_TRUE(later_done.Ready());
  ASSERT_EQ(later.changed_size(), 1);
  EXPECT_EQ(later.changed(0).node_id(), a.Binary());
}

TEST(GcsNodeChangePublisherTest, HeldPollIsWokenByLaterChange) {
  EventLoop loop;  // not running: the poll's timeout never fires
  GcsNodeChangePublisher publisher(&loop);
  publisher.Publish(MakeNode(NodeID::FromRandom()));

  rpc::PollNodeChangesRequest request;
  request.set_after_sequence(1);
  rpc::PollNodeChangesReply reply;
  CapturedReply done;
  publisher.HandlePollNodeChanges(request, &reply, done.Send());
  EXPECT_FALSE(done.Ready());
  EXPECT_EQ(publisher.num_held_polls(), 1u);

  NodeID joined = NodeID::FromRandom();
  publisher.Publish(MakeNode(joined));
  ASSERT_TRUE(done.Ready());
  EXPECT_TRUE(done.done.get().ok());
  EXPECT_EQ(reply.sequence(), 2);
  ASSERT_EQ(reply.changed_size(), 1);
  EXPECT_EQ(reply.changed(0).node_id(), joined.Binary());
  EXPECT_EQ(publisher.num_held_polls(), 0u);
}

TEST(GcsNodeChangePublisherTest, HeldPollTimesOutWithNoChangesAndShutdownAnswers) {
  EventLoop loop;
  GcsNodeChangePublisher publisher(&loop, /*poll_timeout_ms=*/50);
  loop.StartThread("test-loop");
  rpc::PollNodeChangesRequest request;
  rpc::PollNodeChangesReply reply;
  CapturedReply done;
  RunOnLoop(&loop, [&]() { publisher.HandlePollNodeChanges(request, &reply, done.Send()); });
  ASSERT_TRUE(done.Ready(5000));
  EXPECT_EQ(reply.changed_size(), 0);
  EXPECT_EQ(reply.sequence(), 0);

  rpc::PollNodeChangesReply held_reply;
  CapturedReply held;
  RunOnLoop(&loop, [&]() {
    publisher.HandlePollNodeChanges(request, &held_reply, held.Send());
    publisher.Shutdown();
  });
  EXPECT_TRUE(held.Ready());
  loop.Stop();
}

// Wires node manager, health checker and publisher the way GcsServer does.
class GcsHealthCheckTest : public ::testing::Test {
 protected:
  static constexpr int64_t kTimeoutMs = 200;

  GcsHealthCheckTest() {
    nodes_.AddNodeChangeListener([this](const rpc::NodeInfo& node) {
      NodeID id = NodeID::FromBinary(node.node_id());
      if (node.alive()) {
        checker_.ReportAlive(id);
      } else {
        checker_.Remove(id);
      }
      publisher_.Publish(node);
    });
    nodes_.AddHeartbeatListener([this](const NodeID& id) { checker_.ReportAlive(id); });
    checker_.Start();
    loop_.StartThread("test-loop");
  }
  ~GcsHealthCheckTest() override { loop_.Stop(); }

  InMemoryStoreClient store_;
  GcsTableStorage storage_{&store_};
  GcsNodeManager nodes_{&storage_};
  GcsNodeChangePublisher publisher_{&loop_};
  GcsHealthChecker checker_{&loop_, kTimeoutMs, [this](const NodeID& id) {
                              EXPECT_TRUE(nodes_.MarkNodeDead(id, "health check timed out").ok());
                            }};
  EventLoop loop_;  // declared last: stopped and destroyed before what it runs against
};

TEST_F(GcsHealthCheckTest, SilentNodeIsMarkedDeadAndPublished) {
  NodeID silent = NodeID::FromRandom();
  NodeID beating = NodeID::FromRandom();
  rpc::PollNodeChangesRequest request;
  RunOnLoop(&loop_, [&]() {
    ASSERT_TRUE(nodes_.RegisterNode(MakeNode(silent)).ok());
    ASSERT_TRUE(nodes_.RegisterNode(MakeNode(beating)).ok());
    request.set_after_sequence(publisher_.sequence());
  });
  rpc::ReportResourcesRequest report;
  report.set_node_id(beating.Binary());
  loop_.PostPeriodic([this, report]() { nodes_.ReportResources(report); }, kTimeoutMs / 4);

  rpc::PollNodeChangesReply reply;
  CapturedReply done;
  RunOnLoop(&loop_, [&]() { publisher_.HandlePollNodeChanges(request, &reply, done.Send()); });
  ASSERT_TRUE(done.Ready(10 * kTimeoutMs));
  ASSERT_EQ(reply.changed_size(), 1);
  EXPECT_EQ(reply.changed(0).node_id(), silent.Binary());
  EXPECT_FALSE(reply.changed(0).alive());
  EXPECT_EQ(reply.changed(0).death_reason(), "health check timed out");

  // A few more timeouts later the reporting node is still alive.
  std::this_thread::sleep_for(milliseconds(3 * kTimeoutMs));
  RunOnLoop(&loop_, [&]() {
    for (const auto& node : nodes_.GetAllNodes()) {
      EXPECT_EQ(node.alive(), NodeID::FromBinary(node.node_id()) == beating);
    }
    EXPECT_EQ(checker_.num_tracked(), 1u);
  });
}

}  // namespace
}  // namespace colony::gcs
