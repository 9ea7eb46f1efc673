// StoreClient on a Redis server (hiredis), for a GCS whose tables must outlive it. Each
// table is one Redis hash named "colony@<cluster_id>@<table>", so several clusters can
// share one Redis and a restarted GCS with the same cluster id finds its tables.
//
// One connection, owned by an I/O thread: commands queue up, are written as a pipeline in
// issue order, and each reply is posted to the GCS loop as the operation's callback, so
// the loop never waits on Redis. When the connection breaks (Redis restarted) the thread
// reconnects with backoff and re-sends the commands not yet answered; callers just see
// slower replies. Re-sent writes are idempotent apart from the "added" flag of a Put.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/event_loop.h"
#include "gcs/store/redis_connection.h"
#include "gcs/store/store_client.h"

struct redisContext;

namespace colony::gcs {

// Fencing for a GCS that leads through a lease (gcs/store/leader_lease.h): every write
// runs as a script that first checks the cluster's epoch key still holds `epoch`, so a GCS
// that lost its lease (a newer leader bumped the epoch) cannot change the tables. A
// refused write fails with Unavailable (clients retry at the new leader) and calls
// `on_fenced` (on the loop).
struct RedisFence {
  int64_t epoch = 0;  // 0: writes are not fenced (a GCS without a lease)
  std::string epoch_key;
  std::function<void(const std::string& why)> on_fenced;
};

class RedisStoreClient : public StoreClient {
 public:
  RedisStoreClient(EventLoop* loop, RedisOptions options, RedisFence fence = {});
  // Shutdown(), then frees the connection.
  ~RedisStoreClient() override;
  RedisStoreClient(const RedisStoreClient&) = delete;
  RedisStoreClient& operator=(const RedisStoreClient&) = delete;

  // Connects (retrying while Redis is unreachable, up to connect_timeout_ms; a refused
  // password or DB fails at once) and starts the I/O thread. Call before any operation.
  Status Connect() override;
  // Sends what is queued while Redis answers; fails the rest with Unavailable (posted to
  // the loop) and stops the I/O thread. Idempotent.
  void Shutdown() override;

  void AsyncPut(const std::string& table, const std::string& key, std::string value,
                bool overwrite, StoreCallback<bool> done) override;
  void AsyncGet(const std::string& table, const std::string& key,
                StoreCallback<std::optional<std::string>> done) override;
  void AsyncDelete(const std::string& table, const std::string& key,
                   StoreCallback<bool> done) override;
  void AsyncDeleteByPrefix(const std::string& table, const std::string& prefix,
                           StoreCallback<int64_t> done) override;
  void AsyncGetAll(const std::string& table,
                   StoreCallback<std::map<std::string, std::string>> done) override;
  void AsyncKeys(const std::string& table, const std::string& prefix,
                 StoreCallback<std::vector<std::string>> done) override;
  std::string Describe() const override;

  // The Redis key of a table's hash.
  std::string HashKey(const std::string& table) const;

 private:
  // The reply, or Unavailable when the client stopped before Redis answered.
  using ReplyHandler = std::function<void(StatusOr<RedisValue>)>;
  struct Command {
    std::vector<std::string> argv;
    ReplyHandler on_reply;  // runs on the loop
  };

  // Queues a command; `convert` turns its reply into the callback's value on the loop.
  template <typename T>
  void Send(std::vector<std::string> argv,
            std::function<StatusOr<T>(const RedisValue&)> convert, StoreCallback<T> done);
  // One connection attempt, with AUTH and SELECT; sets context_ on success.
  Status TryConnect();
  // argv of a write: the command itself, or the fencing script running it.
  std::vector<std::string> Write(std::vector<std::string> command) const;
  void RunIoThread();
  // Posts Unavailable to the loop for each command.
  void FailAll(std::vector<Command>* commands, size_t from);
  // Reconnects with backoff until it succeeds or the client stops; false when stopping.
  bool Reconnect();
  void Disconnect();

  EventLoop* loop_;
  RedisOptions options_;
  RedisFence fence_;
  redisContext* context_ = nullptr;  // owned by the I/O thread once it runs

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Command> queue_;
  bool stopping_ = false;
  std::thread io_thread_;
};

}  // namespace colony::gcs
