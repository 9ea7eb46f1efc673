// Node-to-node transfer: two stores and two object managers in one process, the source
// serving chunk reads over real gRPC.
#include "raylet/object_manager/object_manager.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <future>

#include "raylet/object_manager/object_rpc_handler.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {
namespace {

struct Node {
  Node(const std::string& dir, const std::string& name, ObjectManagerOptions options)
      : id(NodeID::FromRandom()),
        objects(id, "", options),
        cluster(id),
        watcher(""),
        rpcs(&objects, &cluster, &watcher),
        service(&rpcs, ""), server("object_manager_test", "127.0.0.1", 0) {
    plasma::PlasmaStoreOptions store_options;
    store_options.socket_path = dir + "/" + name + ".sock";
    store_options.capacity_bytes = 64 << 20;
    store = std::make_unique<plasma::PlasmaStore>(store_options);
    EXPECT_TRUE(store->Start().ok());
    EXPECT_TRUE(objects.Start(store.get()).ok());
    server.RegisterService(&service);
    EXPECT_TRUE(server.Start().ok());
    EXPECT_TRUE(client.Connect(store->socket_path()).ok());
  }
  ~Node() {
    server.Shutdown();
    objects.Stop();
    client.Disconnect();
    store->Stop();
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(server.port()); }

  NodeID id;
  std::unique_ptr<plasma::PlasmaStore> store;
  ObjectManager objects;
  ClusterView cluster;
  WorkerWatcher watcher;
  ObjectRpcHandler rpcs;
  ObjectManagerGrpcService service;
  rpc::GrpcServer server;
  plasma::PlasmaClient client;
};

class ObjectManagerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char dir[] = "/tmp/colony-om-XXXXXX";
    ASSERT_NE(mkdtemp(dir), nullptr);
    dir_ = dir;
    ObjectManagerOptions options;
    options.chunk_bytes = 64 << 10;
    options.chunks_in_flight = 4;
    source_ = std::make_unique<Node>(dir_, "source", options);
    dest_ = std::make_unique<Node>(dir_, "dest", options);
  }
  void TearDown() override {
    dest_.reset();
    source_.reset();
    std::filesystem::remove_all(dir_);
  }

  void PutAtSource(const ObjectID& id, const std::string& data, const std::string& metadata) {
    auto buffer = source_->client.Create(id, data.size(), metadata.size());
    ASSERT_TRUE(buffer.ok());
    std::memcpy(buffer->data, data.data(), data.size());
    std::memcpy(buffer->metadata, metadata.data(), metadata.size());
    ASSERT_TRUE(source_->client.SealAndPin(id, "owner").ok());
  }

  std::future<Status> Pull(const ObjectID& id, const std::string& from) {
    auto done = std::make_shared<std::promise<Status>>();
    dest_->objects.Pull(id, from, [done](Status s) { done->set_value(s); });
    return done->get_future();
  }

  std::string dir_;
  std::unique_ptr<Node> source_;
  std::unique_ptr<Node> dest_;
};

TEST_F(ObjectManagerTest, ConcurrentPullsOfOneObjectShareOneChunkedTransfer) {
  ObjectID id = ObjectID::FromRandom();
  std::string data((1 << 20) + 123, '\0');
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<char>(i * 7);
  PutAtSource(id, data, "META");

  auto first = Pull(id, source_->address());
  auto second = Pull(id, source_->address());
  ASSERT_TRUE(first.get().ok());
  ASSERT_TRUE(second.get().ok());
  EXPECT_EQ(source_->objects.chunks_served(), 17u);  // ceil((1 MiB + 123) / 64 KiB), once

  auto copy = dest_->client.Get(id, 0);
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(copy->data), copy->data_size), data);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(copy->metadata), copy->metadata_size), "META");
  ASSERT_TRUE(dest_->client.Release(id).ok());

  // Already here: no transfer at all.
  ASSERT_TRUE(Pull(id, source_->address()).get().ok());
  EXPECT_EQ(source_->objects.chunks_served(), 17u);
  EXPECT_EQ(dest_->objects.num_active_pulls(), 0u);
}

TEST_F(ObjectManagerTest, EmptyObjectAndMissingObject) {
  ObjectID empty = ObjectID::FromRandom();
  PutAtSource(empty, "", "M");
  ASSERT_TRUE(Pull(empty, source_->address()).get().ok());
  EXPECT_TRUE(dest_->store->Contains(empty));

  Status missing = Pull(ObjectID::FromRandom(), source_->address()).get();
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
  EXPECT_EQ(dest_->store->Stats().num_objects, 1u);  // the failed create was aborted
}

TEST_F(ObjectManagerTest, PullFromAGoneNodeIsUnavailable) {
  ObjectID id = ObjectID::FromRandom();
  PutAtSource(id, std::string(1000, 'x'), "");
  std::string address = source_->address();
  source_.reset();
  Status status = Pull(id, address).get();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
}

TEST_F(ObjectManagerTest, FreeDeletesPrimaryCopies) {
  ObjectID id = ObjectID::FromRandom();
  PutAtSource(id, std::string(1000, 'x'), "");
  source_->objects.Free({id});
  EXPECT_FALSE(source_->store->Contains(id));
}

}  // namespace
}  // namespace colony::raylet
