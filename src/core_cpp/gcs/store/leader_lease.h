// Which GCS leads a cluster whose tables are in Redis, for a standby head (`colony-gcs
// --standby`, docs/fault_tolerance.md "Standby head"). Three keys beside the tables:
//   colony@<cluster>@LEADER          the holder's token, set with SET NX PX lease_ms and
//                                    renewed by its holder only (compare-and-set script);
//   colony@<cluster>@EPOCH           the fencing epoch, bumped (INCR) by each new holder in
//                                    the same atomic step that takes the lease;
//   colony@<cluster>@LEADER_ADDRESS  the serving leader's HOST:PORT, for tools.
// The leader's store writes carry its epoch (RedisFence), so a GCS that lost the lease
// cannot change the tables even before it notices; when it notices (a renewal refused,
// or none succeeded for lease_ms) it is told through on_lost and must stop serving.
//
//   LeaderLease lease(redis, {}, "10.0.0.5:6380");
//   auto epoch = lease.Acquire();            // blocks while another GCS leads
//   lease.StartRenewing([](const std::string& why) { /* exit now */ });
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "gcs/store/redis_connection.h"

namespace colony::gcs {

struct LeaderLeaseOptions {
  int64_t lease_ms = 3000;        // a dead leader's lease lapses after this
  int64_t renew_interval_ms = 0;  // 0: lease_ms / 3
  int64_t poll_interval_ms = 0;   // how often a standby tries to take it; 0: lease_ms / 10
};

class LeaderLease {
 public:
  // `holder` says who this is in logs and in the token (e.g. the GCS's HOST:PORT).
  LeaderLease(RedisOptions redis, LeaderLeaseOptions options, const std::string& holder);
  ~LeaderLease();
  LeaderLease(const LeaderLease&) = delete;
  LeaderLease& operator=(const LeaderLease&) = delete;

  // Blocks until this process holds the lease and returns its new epoch. Rides out an
  // unreachable Redis (retrying); fails at once when Redis refuses the password or DB,
  // and with Cancelled after Cancel().
  StatusOr<int64_t> Acquire();
  // Renews the lease from a thread every renew_interval_ms. `on_lost(why)` runs on that
  // thread, once, when the lease is gone: another holder has it, the epoch moved on, or
  // no renewal succeeded within lease_ms of the last good one (Redis away, or this
  // process was stopped longer than the lease).
  void StartRenewing(std::function<void(const std::string& why)> on_lost);
  // Writes LEADER_ADDRESS, fenced by the epoch.
  Status PublishAddress(const std::string& address);
  // Ends Acquire() and the renewals; any thread, idempotent.
  void Cancel();
  // Cancel(), then deletes the lease key if it is still this process's, so a standby
  // takes over at once instead of after lease_ms (a clean stop).
  void Release();

  int64_t epoch() const { return epoch_.load(); }
  const std::string& token() const { return token_; }
  std::string LeaseKey() const { return ClusterRedisKey(redis_.cluster_id, "LEADER"); }
  std::string EpochKey() const { return ClusterRedisKey(redis_.cluster_id, "EPOCH"); }
  std::string AddressKey() const { return ClusterRedisKey(redis_.cluster_id, "LEADER_ADDRESS"); }

  // The token of the lease's holder, if any (one connection, no retries).
  static StatusOr<std::optional<std::string>> CurrentHolder(const RedisOptions& redis);

 private:
  // Runs a command on the lease's connection, opening it first if needed; a broken link
  // closes it so the next call opens another.
  StatusOr<RedisValue> Run(const std::vector<std::string>& argv);
  void RenewLoop();
  // Waits up to ms or until cancelled; true when cancelled.
  bool WaitCancelled(int64_t ms);

  RedisOptions redis_;
  LeaderLeaseOptions options_;
  std::string token_;
  std::atomic<int64_t> epoch_{0};

  std::mutex conn_mu_;  // the connection is used by Acquire/PublishAddress and the renewer
  struct redisContext* conn_ = nullptr;

  std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  int64_t last_renewed_ms_ = 0;  // steady time the last successful take/renewal was sent
  std::function<void(const std::string&)> on_lost_;
  std::thread renewer_;
};

}  // namespace colony::gcs
