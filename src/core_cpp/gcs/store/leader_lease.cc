#include "gcs/store/leader_lease.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <random>

#include "common/logging.h"

namespace colony::gcs {
namespace {

// KEYS[1] lease, KEYS[2] epoch; ARGV[1] token, ARGV[2] lease ms. Taking the lease and
// bumping the epoch are one step: no two holders ever share an epoch.
constexpr const char* kAcquireScript =
    "if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then "
    "  return redis.call('INCR', KEYS[2]) "
    "end "
    "return 0";
// KEYS[1] lease, KEYS[2] epoch; ARGV[1] token, ARGV[2] lease ms, ARGV[3] epoch. Only the
// holder of the current epoch extends the lease.
constexpr const char* kRenewScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] and redis.call('GET', KEYS[2]) == ARGV[3] then "
    "  redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 "
    "end "
    "return 0";
// KEYS[1] lease; ARGV[1] token.
constexpr const char* kReleaseScript =
    "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end "
    "return 0";
// KEYS[1] epoch, KEYS[2] address; ARGV[1] epoch, ARGV[2] address.
constexpr const char* kPublishScript =
    "local e = redis.call('GET', KEYS[1]) "
    "if e ~= ARGV[1] then "
    "  return redis.error_reply('COLONY_FENCED epoch is ' .. tostring(e) .. ', not ' .. ARGV[1]) "
    "end "
    "redis.call('SET', KEYS[2], ARGV[2]) return 1";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

std::string RandomHex() {
  std::random_device rd;
  uint64_t value = (static_cast<uint64_t>(rd()) << 32) ^ rd();
  char buf[17];
  std::snprintf(buf, sizeof(buf), "%016llx", static_cast<unsigned long long>(value));
  return buf;
}

}  // namespace

LeaderLease::LeaderLease(RedisOptions redis, LeaderLeaseOptions options,
                         const std::string& holder)
    : redis_(std::move(redis)), options_(options) {
  options_.lease_ms = std::max<int64_t>(options_.lease_ms, 100);
  if (options_.renew_interval_ms <= 0) options_.renew_interval_ms = options_.lease_ms / 3;
  if (options_.poll_interval_ms <= 0) {
    options_.poll_interval_ms = std::clamp<int64_t>(options_.lease_ms / 10, 20, 500);
  }
  // Unique per process and start, so a restarted GCS never mistakes an old lease for its own.
  token_ = holder + "/pid " + std::to_string(getpid()) + "/" + RandomHex();
}

LeaderLease::~LeaderLease() {
  Cancel();
  if (renewer_.joinable()) renewer_.join();
  CloseRedisConnection(conn_);
}

void LeaderLease::Cancel() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
  }
  cv_.notify_all();
}

bool LeaderLease::WaitCancelled(int64_t ms) {
  std::unique_lock<std::mutex> lock(mu_);
  return cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(ms, 0)),
                      [this] { return cancelled_; });
}

StatusOr<RedisValue> LeaderLease::Run(const std::vector<std::string>& argv) {
  std::lock_guard<std::mutex> lock(conn_mu_);
  if (conn_ == nullptr) {
    // Replies slower than a third of the lease count as a lost link: a renewal must land
    // well before the lease lapses or not at all.
    auto conn = OpenRedisConnection(redis_, std::max<int64_t>(options_.lease_ms / 3, 50));
    if (!conn.ok()) return conn.status();
    conn_ = *conn;
  }
  auto reply = RunRedisCommand(conn_, argv);
  if (!reply.ok()) {
    CloseRedisConnection(conn_);
    conn_ = nullptr;
    return reply.status();
  }
  if (reply->type == RedisValue::kError) {
    return Status::IOError("Redis at " + DescribeRedis(redis_) + " answered: " + reply->str);
  }
  return reply;
}

StatusOr<int64_t> LeaderLease::Acquire() {
  COLONY_RETURN_IF_ERROR(ValidateClusterId(redis_.cluster_id));
  std::string last_holder;
  std::string last_error;
  while (true) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (cancelled_) return Status::Cancelled("stopped while waiting for the leader lease");
    }
    int64_t sent = NowMs();
    auto reply = Run({"EVAL", kAcquireScript, "2", LeaseKey(), EpochKey(), token_,
                      std::to_string(options_.lease_ms)});
    if (reply.ok() && reply->type == RedisValue::kInteger && reply->integer > 0) {
      epoch_ = reply->integer;
      {
        std::lock_guard<std::mutex> lock(mu_);
        last_renewed_ms_ = sent;
      }
      COLONY_LOG(INFO) << "took the leader lease " << LeaseKey() << " at "
                       << DescribeRedis(redis_) << ": epoch " << epoch_.load();
      return epoch_.load();
    }
    if (!reply.ok()) {
      if (reply.status().code() == StatusCode::kInvalidArgument) {
        return Status::InvalidArgument("Redis at " + DescribeRedis(redis_) + ": " +
                                       reply.status().message());
      }
      if (reply.status().message() != last_error) {
        last_error = reply.status().message();
        COLONY_LOG(WARNING) << "standby: cannot ask Redis at " << DescribeRedis(redis_)
                            << " for the leader lease (" << last_error << "); retrying";
      }
    } else {
      last_error.clear();
      auto holder = Run({"GET", LeaseKey()});
      std::string who = holder.ok() && holder->type == RedisValue::kString ? holder->str : "";
      if (!who.empty() && who != last_holder) {
        last_holder = who;
        COLONY_LOG(INFO) << "standby: the leader lease is held by " << who << "; waiting";
      }
    }
    if (WaitCancelled(options_.poll_interval_ms)) {
      return Status::Cancelled("stopped while waiting for the leader lease");
    }
  }
}

void LeaderLease::StartRenewing(std::function<void(const std::string& why)> on_lost) {
  on_lost_ = std::move(on_lost);
  renewer_ = std::thread([this] { RenewLoop(); });
}

void LeaderLease::RenewLoop() {
  std::string last_error;
  while (!WaitCancelled(options_.renew_interval_ms)) {
    int64_t now = NowMs();
    int64_t last_ok;
    {
      std::lock_guard<std::mutex> lock(mu_);
      last_ok = last_renewed_ms_;
    }
    // Past the lease since the last good renewal (this process was stopped, or Redis
    // was away): another GCS may lead already, so this one must not serve another call.
    if (now - last_ok >= options_.lease_ms) {
      on_lost_("no renewal of the leader lease succeeded for " + std::to_string(now - last_ok) +
               " ms (lease " + std::to_string(options_.lease_ms) + " ms)" +
               (last_error.empty() ? "" : ": " + last_error));
      return;
    }
    auto reply = Run({"EVAL", kRenewScript, "2", LeaseKey(), EpochKey(), token_,
                      std::to_string(options_.lease_ms), std::to_string(epoch_.load())});
    if (!reply.ok()) {
      last_error = reply.status().message();
      continue;  // retried next round until the lease would have lapsed
    }
    if (reply->type == RedisValue::kInteger && reply->integer == 1) {
      std::lock_guard<std::mutex> lock(mu_);
      last_renewed_ms_ = now;
      continue;
    }
    auto holder = Run({"GET", LeaseKey()});
    std::string who = holder.ok() && holder->type == RedisValue::kString ? holder->str : "nobody";
    on_lost_("the leader lease is no longer this GCS's (held by " + who + ", epoch " +
             std::to_string(epoch_.load()) + " superseded or expired)");
    return;
  }
}

Status LeaderLease::PublishAddress(const std::string& address) {
  auto reply = Run({"EVAL", kPublishScript, "2", EpochKey(), AddressKey(),
                    std::to_string(epoch_.load()), address});
  return reply.ok() ? Status::OK() : reply.status();
}

void LeaderLease::Release() {
  Cancel();
  if (renewer_.joinable()) renewer_.join();
  if (epoch_.load() == 0) return;
  auto reply = Run({"EVAL", kReleaseScript, "1", LeaseKey(), token_});
  if (reply.ok() && reply->type == RedisValue::kInteger && reply->integer == 1) {
    COLONY_LOG(INFO) << "released the leader lease " << LeaseKey();
  }
}

StatusOr<std::optional<std::string>> LeaderLease::CurrentHolder(const RedisOptions& redis) {
  auto conn = OpenRedisConnection(redis, 5000);
  if (!conn.ok()) return conn.status();
  auto reply = RunRedisCommand(*conn, {"GET", ClusterRedisKey(redis.cluster_id, "LEADER")});
  CloseRedisConnection(*conn);
  if (!reply.ok()) return reply.status();
  if (reply->type == RedisValue::kString) return std::optional<std::string>(reply->str);
  return std::optional<std::string>();
}

}  // namespace colony::gcs
