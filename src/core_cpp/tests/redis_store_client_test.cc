// RedisStoreClient against a real redis-server that each test starts on a free port in a
// temporary folder (skipped when redis-server is not installed): the same operations as
// the in-memory backend, cluster-id isolation, a Redis restart while operations are
// queued, and refused passwords and addresses.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "common/event_loop.h"
#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/in_memory_store_client.h"
#include "gcs/store/redis_store_client.h"
#include "gcs_store_test_util.h"
#include "redis_test_server.h"

namespace colony::gcs {
namespace {

using testing::SyncStore;

using testing::FreePort;
using testing::HaveRedisServer;
using testing::RedisServer;

class RedisStoreClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveRedisServer()) GTEST_SKIP() << "redis-server is not installed";
    redis_ = std::make_unique<RedisServer>();
    loop_.StartThread("test-loop");
  }
  void TearDown() override { loop_.Stop(); }

  std::unique_ptr<RedisStoreClient> Client(const std::string& cluster_id = "c1") {
    RedisOptions options;
    options.host = "127.0.0.1";
    options.port = redis_->port();
    options.cluster_id = cluster_id;
    options.connect_timeout_ms = 30000;
    auto client = std::make_unique<RedisStoreClient>(&loop_, options);
    Status connected = client->Connect();
    // A client that did not connect would leave the test waiting for its answers for ever.
    if (!connected.ok()) {
      ADD_FAILURE() << connected.ToString();
      return nullptr;
    }
    return client;
  }

  EventLoop loop_;
  std::unique_ptr<RedisServer> redis_;
};

// The same checks the in-memory backend passes (GcsStoreTest), on Redis.
TEST_F(RedisStoreClientTest, BehavesLikeTheInMemoryStore) {
  auto client = Client();
  InMemoryStoreClient memory_backend;
  for (StoreClient* backend : {static_cast<StoreClient*>(client.get()),
                               static_cast<StoreClient*>(&memory_backend)}) {
    SCOPED_TRACE(backend->Describe());
    SyncStore store(backend);
    EXPECT_FALSE(store.Get("t", "k")->has_value());
    EXPECT_TRUE(*store.Put("t", "k", "v1", false));
    EXPECT_FALSE(*store.Put("t", "k", "v2", false));
    EXPECT_EQ(**store.Get("t", "k"), "v1");
    EXPECT_FALSE(*store.Put("t", "k", "v3", true));
    EXPECT_EQ(**store.Get("t", "k"), "v3");
    EXPECT_TRUE(*store.Delete("t", "k"));
    EXPECT_FALSE(*store.Delete("t", "k"));
    for (const char* key : {"a/1", "a/2", "ab", "b/1"}) ASSERT_TRUE(store.Put("t", key, key, true).ok());
    ASSERT_TRUE(store.Put("u", "a/3", "x", true).ok());
    EXPECT_EQ(*store.Keys("t", "a/"), (std::vector<std::string>{"a/1", "a/2"}));
    EXPECT_EQ(store.GetAll("t")->size(), 4u);
    EXPECT_TRUE(store.GetAll("missing")->empty());
    EXPECT_EQ(*store.DeleteByPrefix("t", "a"), 3);
    EXPECT_EQ(*store.Keys("t", ""), (std::vector<std::string>{"b/1"}));
    std::string binary("\x00\x01*?[\xff", 6);  // glob characters and NULs are plain bytes
    ASSERT_TRUE(store.Put("t", binary, std::string("v\0w", 3), true).ok());
    EXPECT_EQ(**store.Get("t", binary), std::string("v\0w", 3));
    EXPECT_EQ(*store.Keys("t", std::string("\x00", 1)), (std::vector<std::string>{binary}));
  }
}

TEST_F(RedisStoreClientTest, ClustersSharingARedisKeepApart) {
  auto one = Client("one");
  auto two = Client("two");
  ASSERT_TRUE(SyncStore(one.get()).Put(tables::kJobs, "k", "from one", true).ok());
  EXPECT_FALSE(SyncStore(two.get()).Get(tables::kJobs, "k")->has_value());
  EXPECT_EQ(one->HashKey(tables::kJobs), "colony@one@JOB");
  // A second client of the same cluster (a restarted GCS) sees the first one's writes.
  auto again = Client("one");
  EXPECT_EQ(**SyncStore(again.get()).Get(tables::kJobs, "k"), "from one");
}

TEST_F(RedisStoreClientTest, TablesSurviveARedisRestartAndQueuedOpsComplete) {
  auto client = Client();
  GcsTableStorage storage(client.get());
  SyncStore store(client.get());
  ASSERT_TRUE(store.Put("t", "before", "1", true).ok());

  redis_->Kill();
  // Issued while Redis is down: answered once it is back, in order.
  auto put = std::async(std::launch::async, [&] { return store.Put("t", "during", "2", true); });
  EXPECT_EQ(put.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  redis_->Start();
  ASSERT_TRUE(put.get().ok());
  EXPECT_EQ(**store.Get("t", "during"), "2");
  EXPECT_EQ(**store.Get("t", "before"), "1");  // from the append-only file
}

// A stopping GCS must not wait for a store that cannot answer: what Redis can still take
// is sent, the rest fails with Unavailable (which clients retry against the next GCS).
TEST_F(RedisStoreClientTest, ShutdownDrainsOrFailsWhatIsQueued) {
  auto healthy = Client();
  std::vector<std::future<StatusOr<bool>>> puts;
  for (int i = 0; i < 50; i++) {
    auto promise = std::make_shared<std::promise<StatusOr<bool>>>();
    puts.push_back(promise->get_future());
    healthy->AsyncPut("t", "k" + std::to_string(i), "v", true,
                      [promise](StatusOr<bool> r) { promise->set_value(std::move(r)); });
  }
  healthy->Shutdown();
  for (auto& put : puts) EXPECT_TRUE(put.get().ok());
  auto late = testing::Await<bool>([&](auto cb) { healthy->AsyncPut("t", "late", "v", true, cb); });
  EXPECT_EQ(late.status().code(), StatusCode::kUnavailable);

  auto client = Client();
  redis_->Kill();
  auto promise = std::make_shared<std::promise<StatusOr<bool>>>();
  auto waiting = promise->get_future();
  client->AsyncPut("t", "during", "v", true,
                   [promise](StatusOr<bool> r) { promise->set_value(std::move(r)); });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout);
  client->Shutdown();
  StatusOr<bool> failed = waiting.get();
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  redis_->Start();
  EXPECT_EQ(**SyncStore(Client().get()).Get("t", "k49"), "v");
}

TEST_F(RedisStoreClientTest, WrongPasswordAndBadAddressesAreRefusedClearly) {
  RedisServer locked("s3cret");
  RedisOptions options;
  options.host = "127.0.0.1";
  options.port = locked.port();
  options.password = "wrong";
  RedisStoreClient wrong(&loop_, options);
  Status status = wrong.Connect();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("AUTH"), std::string::npos) << status.message();

  options.password = "";
  RedisStoreClient none(&loop_, options);
  status = none.Connect();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();

  options.password = "s3cret";
  RedisStoreClient right(&loop_, options);
  ASSERT_TRUE(right.Connect().ok());
  EXPECT_TRUE(*SyncStore(&right).Put("t", "k", "v", true));

  options.port = FreePort();  // nobody there
  options.connect_timeout_ms = 300;
  RedisStoreClient absent(&loop_, options);
  status = absent.Connect();
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_NE(status.message().find("cannot reach Redis"), std::string::npos);

  options.port = locked.port();
  options.cluster_id = "a@b";
  EXPECT_EQ(RedisStoreClient(&loop_, options).Connect().code(), StatusCode::kInvalidArgument);
}

TEST(RedisUrlTest, ParsesAndRefuses) {
  auto ok = ParseRedisUrl("redis://10.0.0.5:6380/3");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->host, "10.0.0.5");
  EXPECT_EQ(ok->port, 6380);
  EXPECT_EQ(ok->db, 3);
  EXPECT_EQ(ParseRedisUrl("redis://localhost:6379")->db, 0);
  for (const char* bad : {"localhost:6379", "redis://localhost", "redis://:6379",
                          "redis://h:0", "redis://h:70000", "redis://h:6379/x",
                          "redis://user:pw@h:6379"}) {
    auto parsed = ParseRedisUrl(bad);
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(parsed.status().message().find(bad), std::string::npos);
  }
}

}  // namespace
}  // namespace colony::gcs
