// LeaderLease and fenced Redis writes against a real redis-server started per test on a
// free port (skipped when redis-server is not installed): one holder at a time, a standby
// takes over when the lease is released or lapses, each holder gets a higher epoch, a
// leader learns it lost the lease, and the writes of a leader whose epoch is past are
// refused without touching the tables.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <thread>

#include "common/event_loop.h"
#include "gcs/store/leader_lease.h"
#include "gcs/store/redis_connection.h"
#include "gcs/store/redis_store_client.h"
#include "gcs_store_test_util.h"
#include "redis_test_server.h"

namespace colony::gcs {
namespace {

using testing::HaveRedisServer;
using testing::RedisServer;
using testing::SyncStore;

constexpr int64_t kLeaseMs = 600;  // short, so lapses happen within a test; deadlines are generous
constexpr auto kDeadline = std::chrono::seconds(60);

class LeaderLeaseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveRedisServer()) GTEST_SKIP() << "redis-server is not installed";
    redis_ = std::make_unique<RedisServer>();
    loop_.StartThread("test-loop");
  }
  void TearDown() override { loop_.Stop(); }

  RedisOptions Redis() const {
    RedisOptions options;
    options.host = "127.0.0.1";
    options.port = redis_->port();
    options.cluster_id = "c1";
    options.connect_timeout_ms = 30000;
    return options;
  }
  std::unique_ptr<LeaderLease> Lease(const std::string& holder) {
    LeaderLeaseOptions options;
    options.lease_ms = kLeaseMs;
    return std::make_unique<LeaderLease>(Redis(), options, holder);
  }
  // A store whose writes carry `epoch`; `fenced` counts refusals.
  std::unique_ptr<RedisStoreClient> Store(const LeaderLease& lease,
                                          std::shared_ptr<std::atomic<int>> fenced = nullptr) {
    RedisFence fence;
    fence.epoch = lease.epoch();
    fence.epoch_key = lease.EpochKey();
    fence.on_fenced = [fenced](const std::string&) {
      if (fenced) ++*fenced;
    };
    auto store = std::make_unique<RedisStoreClient>(&loop_, Redis(), fence);
    EXPECT_TRUE(store->Connect().ok());
    return store;
  }
  // A raw GET, to look inside Redis.
  std::string Get(const std::string& key) {
    auto conn = OpenRedisConnection(Redis(), 5000);
    EXPECT_TRUE(conn.ok());
    auto reply = RunRedisCommand(*conn, {"GET", key});
    CloseRedisConnection(*conn);
    return reply.ok() && reply->type == RedisValue::kString ? reply->str : "(nil)";
  }

  EventLoop loop_;
  std::unique_ptr<RedisServer> redis_;
};

TEST_F(LeaderLeaseTest, OneLeaderAtATimeAndAReleaseHandsOverWithAHigherEpoch) {
  auto a = Lease("a");
  auto epoch_a = a->Acquire();
  ASSERT_TRUE(epoch_a.ok()) << epoch_a.status().ToString();
  EXPECT_GE(*epoch_a, 1);
  EXPECT_EQ(Get(a->LeaseKey()), a->token());
  std::promise<std::string> lost_a;
  a->StartRenewing([&](const std::string& why) { lost_a.set_value(why); });

  auto b = Lease("b");
  auto taken = std::async(std::launch::async, [&] { return b->Acquire(); });
  // Several lease lengths pass while a renews: b must still be waiting.
  EXPECT_EQ(taken.wait_for(std::chrono::milliseconds(kLeaseMs * 4)), std::future_status::timeout);
  EXPECT_EQ(Get(a->LeaseKey()), a->token());

  a->Release();  // a clean stop hands over without waiting for the lease to lapse
  ASSERT_EQ(taken.wait_for(kDeadline), std::future_status::ready);
  auto epoch_b = taken.get();
  ASSERT_TRUE(epoch_b.ok()) << epoch_b.status().ToString();
  EXPECT_EQ(*epoch_b, *epoch_a + 1);
  EXPECT_EQ(Get(b->EpochKey()), std::to_string(*epoch_b));
  EXPECT_EQ(Get(b->LeaseKey()), b->token());
}

TEST_F(LeaderLeaseTest, AStandbyTakesOverWhenADeadLeadersLeaseLapses) {
  auto a = Lease("a");
  ASSERT_TRUE(a->Acquire().ok());
  a.reset();  // dies without releasing or renewing: the key lapses after the lease
  auto b = Lease("b");
  auto taken = std::async(std::launch::async, [&] { return b->Acquire(); });
  ASSERT_EQ(taken.wait_for(kDeadline), std::future_status::ready);
  auto epoch_b = taken.get();
  ASSERT_TRUE(epoch_b.ok());
  EXPECT_EQ(*epoch_b, 2);
}

TEST_F(LeaderLeaseTest, AStaleLeadersWritesAreRefusedAndTheTablesKeepTheNewOnes) {
  auto a = Lease("a");
  ASSERT_TRUE(a->Acquire().ok());
  auto fenced_a = std::make_shared<std::atomic<int>>(0);
  auto store_a = Store(*a, fenced_a);
  EXPECT_TRUE(*SyncStore(store_a.get()).Put("T", "k", "from a", true));
  EXPECT_TRUE(*SyncStore(store_a.get()).Put("T", "gone/1", "x", true));
  ASSERT_TRUE(a->PublishAddress("10.0.0.1:6380").ok());

  // a stalls (never renews); its lease lapses and b takes over with the next epoch.
  auto b = Lease("b");
  ASSERT_TRUE(b->Acquire().ok());
  EXPECT_EQ(b->epoch(), a->epoch() + 1);
  auto store_b = Store(*b);
  EXPECT_FALSE(*SyncStore(store_b.get()).Put("T", "k", "from b", true));  // overwrote
  ASSERT_TRUE(b->PublishAddress("10.0.0.2:6380").ok());

  // Every kind of write from a is refused, as Unavailable, and reported.
  SyncStore stale(store_a.get());
  auto put = stale.Put("T", "k", "late a", true);
  EXPECT_EQ(put.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(put.status().message().find("COLONY_FENCED"), std::string::npos)
      << put.status().message();
  EXPECT_EQ(stale.Put("T", "new", "late a", false).status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(stale.Delete("T", "k").status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(stale.DeleteByPrefix("T", "gone/").status().code(), StatusCode::kUnavailable);
  EXPECT_FALSE(a->PublishAddress("10.0.0.1:6380").ok());
  EXPECT_EQ(fenced_a->load(), 4);

  // Redis holds b's writes only; reads of the stale store still work (it exits on them).
  auto rows = SyncStore(store_b.get()).GetAll("T");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(*rows, (std::map<std::string, std::string>{{"k", "from b"}, {"gone/1", "x"}}));
  EXPECT_EQ(Get(b->AddressKey()), "10.0.0.2:6380");
  EXPECT_EQ(*SyncStore(store_b.get()).DeleteByPrefix("T", "gone/"), 1);
  EXPECT_TRUE(*SyncStore(store_b.get()).Delete("T", "k"));
}

TEST_F(LeaderLeaseTest, ALeaderIsToldWhenAnotherTookItsLease) {
  auto a = Lease("a");
  ASSERT_TRUE(a->Acquire().ok());
  std::promise<std::string> lost;
  auto why = lost.get_future();
  // Another GCS holds the key (as after a lapse during a long pause of a).
  auto conn = OpenRedisConnection(Redis(), 5000);
  ASSERT_TRUE(conn.ok());
  ASSERT_TRUE(RunRedisCommand(*conn, {"SET", a->LeaseKey(), "someone else"}).ok());
  ASSERT_TRUE(RunRedisCommand(*conn, {"INCR", a->EpochKey()}).ok());
  CloseRedisConnection(*conn);
  a->StartRenewing([&](const std::string& w) { lost.set_value(w); });
  ASSERT_EQ(why.wait_for(kDeadline), std::future_status::ready);
  EXPECT_NE(why.get().find("someone else"), std::string::npos);
}

TEST_F(LeaderLeaseTest, ALeaderThatCannotRenewForALeaseStepsDown) {
  auto a = Lease("a");
  ASSERT_TRUE(a->Acquire().ok());
  std::promise<std::string> lost;
  auto why = lost.get_future();
  a->StartRenewing([&](const std::string& w) { lost.set_value(w); });
  redis_->Kill();  // nobody can confirm the lease any more
  ASSERT_EQ(why.wait_for(kDeadline), std::future_status::ready);
  EXPECT_NE(why.get().find("no renewal"), std::string::npos);
}

TEST_F(LeaderLeaseTest, RefusedPasswordFailsAtOnceAndCancelEndsTheWait) {
  RedisServer locked("s3cret");
  RedisOptions options = Redis();
  options.port = locked.port();
  options.password = "wrong";
  LeaderLease refused(options, {}, "x");
  auto epoch = refused.Acquire();
  EXPECT_EQ(epoch.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(epoch.status().message().find("AUTH"), std::string::npos);

  auto a = Lease("a");
  ASSERT_TRUE(a->Acquire().ok());
  auto b = Lease("b");
  auto waiting = std::async(std::launch::async, [&] { return b->Acquire(); });
  b->Cancel();
  ASSERT_EQ(waiting.wait_for(kDeadline), std::future_status::ready);
  EXPECT_EQ(waiting.get().status().code(), StatusCode::kCancelled);

  auto holder = LeaderLease::CurrentHolder(Redis());
  ASSERT_TRUE(holder.ok());
  ASSERT_TRUE(holder->has_value());
  EXPECT_EQ(**holder, a->token());
}

}  // namespace
}  // namespace colony::gcs
