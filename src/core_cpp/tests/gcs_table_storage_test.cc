// The typed table layer over the in-memory backend, and the write-through contract of the
// managers above it: a reply waits until the store has the change. A deferred fake store
// (answers only when the test says) stands in for a slow remote backend.
#include <gtest/gtest.h>

#include "gcs/gcs_job_manager.h"
#include "gcs/gcs_kv_manager.h"
#include "gcs/gcs_node_manager.h"
#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/in_memory_store_client.h"
#include "gcs_store_test_util.h"

namespace colony::gcs {
namespace {

using testing::Await;
using testing::AwaitStatus;
using testing::DeferredStore;
using testing::LoadInitData;
using testing::SyncStore;

rpc::NodeInfo MakeNode(const NodeID& id) {
  rpc::NodeInfo node;
  node.set_node_id(id.Binary());
  node.set_ip("127.0.0.1");
  node.set_raylet_port(1234);
  (*node.mutable_resources_total())["CPU"] = 2;
  return node;
}

TEST(GcsTableStorageTest, TypedPutGetAndGetAll) {
  InMemoryStoreClient store;
  GcsTableStorage storage(&store);
  NodeID a = NodeID::FromRandom();
  NodeID b = NodeID::FromRandom();
  ASSERT_TRUE(AwaitStatus([&](auto cb) { storage.nodes().Put(a.Binary(), MakeNode(a), cb); }).ok());
  ASSERT_TRUE(AwaitStatus([&](auto cb) { storage.nodes().Put(b.Binary(), MakeNode(b), cb); }).ok());

  auto got = Await<std::optional<rpc::NodeInfo>>(
      [&](auto cb) { storage.nodes().Get(a.Binary(), cb); });
  ASSERT_TRUE(got.ok() && got->has_value());
  EXPECT_EQ((*got)->node_id(), a.Binary());
  auto missing = Await<std::optional<rpc::NodeInfo>>(
      [&](auto cb) { storage.nodes().Get(NodeID::FromRandom().Binary(), cb); });
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing->has_value());

  auto all = Await<std::map<std::string, rpc::NodeInfo>>(
      [&](auto cb) { storage.nodes().GetAll(cb); });
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 2u);
  EXPECT_EQ(all->at(b.Binary()).raylet_port(), 1234);
  // Tables are separate hashes.
  auto jobs = Await<std::map<std::string, rpc::JobInfo>>([&](auto cb) { storage.jobs().GetAll(cb); });
  EXPECT_TRUE(jobs.ok() && jobs->empty());

  ASSERT_TRUE(AwaitStatus([&](auto cb) { storage.nodes().Delete(a.Binary(), cb); }).ok());
  all = Await<std::map<std::string, rpc::NodeInfo>>([&](auto cb) { storage.nodes().GetAll(cb); });
  EXPECT_EQ(all->size(), 1u);
}

TEST(GcsTableStorageTest, CorruptRecordsAndCountersAreReportedByTable) {
  InMemoryStoreClient store;
  GcsTableStorage storage(&store);
  SyncStore raw(&store);
  ASSERT_TRUE(raw.Put(tables::kActors, "x", std::string("\xff\xff\xff", 3), true).ok());
  auto all = Await<std::map<std::string, rpc::ActorTableData>>(
      [&](auto cb) { storage.actors().GetAll(cb); });
  EXPECT_EQ(all.status().code(), StatusCode::kInternal);
  EXPECT_NE(all.status().message().find("ACTOR"), std::string::npos) << all.status().message();

  auto zero = Await<uint64_t>([&](auto cb) { storage.counters().Get("job", cb); });
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(*zero, 0u);
  ASSERT_TRUE(AwaitStatus([&](auto cb) { storage.counters().Put("job", 41, cb); }).ok());
  EXPECT_EQ(*Await<uint64_t>([&](auto cb) { storage.counters().Get("job", cb); }), 41u);
  ASSERT_TRUE(raw.Put(tables::kCounters, "job", "4x", true).ok());
  auto bad = Await<uint64_t>([&](auto cb) { storage.counters().Get("job", cb); });
  EXPECT_EQ(bad.status().code(), StatusCode::kInternal);
  EXPECT_NE(bad.status().message().find("4x"), std::string::npos);
}

TEST(GcsTableStorageTest, LoadGathersEveryTable) {
  InMemoryStoreClient store;
  GcsTableStorage storage(&store);
  {
    GcsNodeManager nodes(&storage);
    GcsJobManager jobs(&storage);
    ASSERT_TRUE(nodes.RegisterNode(MakeNode(NodeID::FromRandom())).ok());
    ASSERT_TRUE(jobs.AddJob(rpc::JobInfo()).ok());
    ASSERT_TRUE(jobs.AddJob(rpc::JobInfo()).ok());
  }
  rpc::ActorTableData actor;
  actor.set_actor_id(ActorID::FromRandom().Binary());
  actor.set_name("keeper");
  ASSERT_TRUE(AwaitStatus([&](auto cb) { storage.actors().Put(actor.actor_id(), actor, cb); }).ok());

  GcsInitData data = LoadInitData(&storage);
  EXPECT_EQ(data.nodes.size(), 1u);
  EXPECT_EQ(data.jobs.size(), 2u);
  EXPECT_EQ(data.job_counter, 2u);
  ASSERT_EQ(data.actors.size(), 1u);
  EXPECT_EQ(data.actors.begin()->second.name(), "keeper");
}

TEST(GcsTableStorageTest, LoadFailsOnTheFirstBadTable) {
  InMemoryStoreClient store;
  GcsTableStorage storage(&store);
  ASSERT_TRUE(SyncStore(&store).Put(tables::kJobs, "j", "\xff", true).ok());
  auto data = Await<GcsInitData>([&](auto cb) { storage.Load(cb); });
  EXPECT_EQ(data.status().code(), StatusCode::kInternal);
  EXPECT_NE(data.status().message().find("JOB"), std::string::npos);
}

// Replies acknowledge only what is stored: with a store that answers later, a job's ID,
// a node's registration and a KV put are answered after the store has answered.
TEST(GcsTableStorageTest, RepliesWaitForTheWrite) {
  DeferredStore store;
  GcsTableStorage storage(&store);
  GcsJobManager jobs(&storage);
  GcsNodeManager nodes(&storage);
  GcsKvManager kv(&store);

  int answered = 0;
  Status last;
  auto send = [&](Status s) {
    answered++;
    last = s;
  };
  rpc::AddJobRequest add;
  rpc::AddJobReply add_reply;
  jobs.HandleAddJob(add, &add_reply, send);
  rpc::RegisterNodeRequest reg;
  *reg.mutable_node() = MakeNode(NodeID::FromRandom());
  rpc::RegisterNodeReply reg_reply;
  nodes.HandleRegisterNode(reg, &reg_reply, send);
  rpc::KvPutRequest put;
  put.set_ns("ns");
  put.set_key("k");
  put.set_value("v");
  rpc::KvPutReply put_reply;
  kv.HandleKvPut(put, &put_reply, send);

  EXPECT_EQ(answered, 0);
  EXPECT_GT(store.pending(), 0u);
  // The manager's memory is ahead of the store: a second job gets the next ID at once.
  EXPECT_EQ(jobs.GetAllJobs().size(), 1u);
  store.Flush();
  EXPECT_EQ(answered, 3);
  EXPECT_TRUE(last.ok());
  EXPECT_EQ(JobID::FromBinary(add_reply.job_id()).ToInt(), 1u);
  EXPECT_TRUE(put_reply.added());

  // Bad input is refused at once, without a write.
  rpc::RegisterNodeRequest bad;
  bad.mutable_node()->set_node_id("short");
  nodes.HandleRegisterNode(bad, &reg_reply, send);
  EXPECT_EQ(answered, 4);
  EXPECT_EQ(last.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(store.pending(), 0u);
}

}  // namespace
}  // namespace colony::gcs
