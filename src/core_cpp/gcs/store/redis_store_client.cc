#include "gcs/store/redis_store_client.h"

#include <hiredis/hiredis.h>

#include <algorithm>
#include <chrono>

#include "common/logging.h"

namespace colony::gcs {
namespace {

constexpr int64_t kIoTimeoutMs = 10000;  // a reply slower than this counts as a lost link
constexpr int64_t kMinBackoffMs = 100;
constexpr int64_t kMaxBackoffMs = 2000;
constexpr size_t kMaxBatch = 512;  // commands written per pipeline round

// Deletes the hash fields that start with ARGV[1] in one atomic step, returning how many.
constexpr const char* kDeleteByPrefixScript =
    "local n = 0 "
    "for _, k in ipairs(redis.call('HKEYS', KEYS[1])) do "
    "  if string.sub(k, 1, #ARGV[1]) == ARGV[1] then redis.call('HDEL', KEYS[1], k) n = n + 1 end "
    "end "
    "return n";

// What a fenced write's error reply starts with when the epoch moved on.
constexpr const char* kFencedMarker = "COLONY_FENCED";
// KEYS[1] epoch key, KEYS[2] the hash; ARGV[1] the writer's epoch, ARGV[2] the command
// (HSET, HSETNX, HDEL), the rest its arguments after the hash. The check and the write
// are one atomic step, so no write of an old leader lands after a new one took over.
constexpr const char* kFencedWriteScript =
    "local e = redis.call('GET', KEYS[1]) "
    "if e ~= ARGV[1] then "
    "  return redis.error_reply('COLONY_FENCED epoch is ' .. tostring(e) .. ', not ' .. ARGV[1]) "
    "end "
    "return redis.call(ARGV[2], KEYS[2], unpack(ARGV, 3))";
// kDeleteByPrefixScript behind the same check: KEYS[1] epoch key, KEYS[2] the hash;
// ARGV[1] the epoch, ARGV[2] the prefix.
constexpr const char* kFencedDeleteByPrefixScript =
    "local e = redis.call('GET', KEYS[1]) "
    "if e ~= ARGV[1] then "
    "  return redis.error_reply('COLONY_FENCED epoch is ' .. tostring(e) .. ', not ' .. ARGV[1]) "
    "end "
    "local n = 0 "
    "for _, k in ipairs(redis.call('HKEYS', KEYS[2])) do "
    "  if string.sub(k, 1, #ARGV[2]) == ARGV[2] then redis.call('HDEL', KEYS[2], k) n = n + 1 end "
    "end "
    "return n";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

RedisStoreClient::RedisStoreClient(EventLoop* loop, RedisOptions options, RedisFence fence)
    : loop_(loop), options_(std::move(options)), fence_(std::move(fence)) {}

RedisStoreClient::~RedisStoreClient() {
  Shutdown();
  Disconnect();
}

void RedisStoreClient::Shutdown() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (io_thread_.joinable()) io_thread_.join();
  // Never started (Connect failed or was not called): nothing drains the queue.
  std::vector<Command> left;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto& c : queue_) left.push_back(std::move(c));
    queue_.clear();
  }
  FailAll(&left, 0);
}

void RedisStoreClient::FailAll(std::vector<Command>* commands, size_t from) {
  for (size_t i = from; i < commands->size(); i++) {
    loop_->Post([handler = std::move((*commands)[i].on_reply)]() {
      handler(Status::Unavailable("the GCS's Redis store is stopping"));
    });
  }
}

std::string RedisStoreClient::Describe() const { return DescribeRedis(options_); }

std::string RedisStoreClient::HashKey(const std::string& table) const {
  return ClusterRedisKey(options_.cluster_id, table);
}

Status RedisStoreClient::TryConnect() {
  auto ctx = OpenRedisConnection(options_, kIoTimeoutMs);
  if (!ctx.ok()) return ctx.status();
  context_ = *ctx;
  return Status::OK();
}

std::vector<std::string> RedisStoreClient::Write(std::vector<std::string> command) const {
  if (fence_.epoch == 0) return command;
  // EVAL script 2 epoch_key hash epoch CMD args...: the hash moves from the command to KEYS.
  std::vector<std::string> argv = {"EVAL", kFencedWriteScript, "2", fence_.epoch_key,
                                   command[1], std::to_string(fence_.epoch), command[0]};
  for (size_t i = 2; i < command.size(); i++) argv.push_back(std::move(command[i]));
  return argv;
}

Status RedisStoreClient::Connect() {
  COLONY_RETURN_IF_ERROR(ValidateClusterId(options_.cluster_id));
  int64_t deadline = NowMs() + options_.connect_timeout_ms;
  int64_t backoff = kMinBackoffMs;
  Status last;
  while (true) {
    last = TryConnect();
    if (last.ok()) break;
    if (last.code() == StatusCode::kInvalidArgument) {
      return Status::InvalidArgument("Redis at " + Describe() + ": " + last.message());
    }
    if (NowMs() + backoff > deadline) {
      return Status::Unavailable("cannot reach Redis at " + Describe() + " within " +
                                 std::to_string(options_.connect_timeout_ms) +
                                 " ms: " + last.message());
    }
    COLONY_LOG(WARNING) << "Redis at " << Describe() << " not reachable yet (" << last.message()
                        << "); retrying";
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff));
    backoff = std::min(backoff * 2, kMaxBackoffMs);
  }
  COLONY_LOG(INFO) << "GCS storage: " << Describe() << ", keys under " << HashKey("*");
  io_thread_ = std::thread([this] { RunIoThread(); });
  return Status::OK();
}

void RedisStoreClient::Disconnect() {
  CloseRedisConnection(context_);
  context_ = nullptr;
}

bool RedisStoreClient::Reconnect() {
  int64_t backoff = kMinBackoffMs;
  bool logged = false;
  while (true) {
    {
      std::unique_lock<std::mutex> lock(mu_);
      if (stopping_) return false;
    }
    Status s = TryConnect();
    if (s.ok()) {
      COLONY_LOG(INFO) << "reconnected to Redis at " << Describe();
      return true;
    }
    if (!logged) {
      COLONY_LOG(WARNING) << "lost Redis at " << Describe() << " (" << s.message()
                          << "); GCS writes wait until it is back";
      logged = true;
    }
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, std::chrono::milliseconds(backoff), [this] { return stopping_; });
    backoff = std::min(backoff * 2, kMaxBackoffMs);
  }
}

void RedisStoreClient::RunIoThread() {
  while (true) {
    std::vector<Command> batch;
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_ && queue_.empty()) return;  // when stopping, what is queued is sent first
      while (!queue_.empty() && batch.size() < kMaxBatch) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    // Write the batch as one pipeline, then read the replies in order. A broken link
    // re-sends from the first command without a reply, so the order is kept.
    size_t answered = 0;
    while (answered < batch.size()) {
      if (context_ == nullptr && !Reconnect()) {  // stopping with Redis away
        FailAll(&batch, answered);
        std::vector<Command> left;
        {
          std::lock_guard<std::mutex> lock(mu_);
          for (auto& c : queue_) left.push_back(std::move(c));
          queue_.clear();
        }
        FailAll(&left, 0);
        return;
      }
      for (size_t i = answered; i < batch.size(); i++) {
        std::vector<const char*> args;
        std::vector<size_t> lens;
        for (const auto& a : batch[i].argv) {
          args.push_back(a.data());
          lens.push_back(a.size());
        }
        redisAppendCommandArgv(context_, static_cast<int>(args.size()), args.data(),
                               lens.data());
      }
      for (; answered < batch.size(); answered++) {
        void* raw = nullptr;
        if (redisGetReply(context_, &raw) != REDIS_OK || raw == nullptr) {
          COLONY_LOG(WARNING) << "Redis at " << Describe() << ": " << context_->errstr;
          Disconnect();
          break;
        }
        RedisValue value = CopyRedisReply(raw);
        freeReplyObject(raw);
        loop_->Post([handler = std::move(batch[answered].on_reply),
                     value = std::move(value)]() mutable {
          handler(StatusOr<RedisValue>(std::move(value)));
        });
      }
    }
  }
}

template <typename T>
void RedisStoreClient::Send(std::vector<std::string> argv,
                            std::function<StatusOr<T>(const RedisValue&)> convert,
                            StoreCallback<T> done) {
  std::string where = Describe();
  Command command;
  command.argv = std::move(argv);
  command.on_reply = [convert = std::move(convert), done = std::move(done),
                      where = std::move(where),
                      on_fenced = fence_.on_fenced](StatusOr<RedisValue> reply) {
    if (reply.ok() && reply->type == RedisValue::kError &&
        reply->str.find(kFencedMarker) != std::string::npos) {
      std::string why = "Redis at " + where + " refused a write: " + reply->str;
      if (on_fenced) on_fenced(why);
      if (done) done(Status::Unavailable(why));
      return;
    }
    if (!done) return;
    if (!reply.ok()) {
      done(reply.status());
      return;
    }
    const RedisValue& value = *reply;
    if (value.type == RedisValue::kError) {
      done(Status::IOError("Redis at " + where + " answered: " + value.str));
      return;
    }
    done(convert(value));
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!stopping_) {
      queue_.push_back(std::move(command));
      cv_.notify_one();
      return;
    }
  }
  std::vector<Command> late;
  late.push_back(std::move(command));
  FailAll(&late, 0);
}

namespace {

Status Unexpected(const char* what) {
  return Status::IOError(std::string("unexpected Redis reply to ") + what);
}

}  // namespace

void RedisStoreClient::AsyncPut(const std::string& table, const std::string& key,
                                std::string value, bool overwrite, StoreCallback<bool> done) {
  Send<bool>(Write({overwrite ? "HSET" : "HSETNX", HashKey(table), key, std::move(value)}),
             [](const RedisValue& v) -> StatusOr<bool> {
               if (v.type != RedisValue::kInteger) return Unexpected("HSET");
               return v.integer == 1;
             },
             std::move(done));
}

void RedisStoreClient::AsyncGet(const std::string& table, const std::string& key,
                                StoreCallback<std::optional<std::string>> done) {
  Send<std::optional<std::string>>(
      {"HGET", HashKey(table), key},
      [](const RedisValue& v) -> StatusOr<std::optional<std::string>> {
        if (v.type == RedisValue::kNil) return std::optional<std::string>();
        if (v.type != RedisValue::kString) return Unexpected("HGET");
        return std::optional<std::string>(v.str);
      },
      std::move(done));
}

void RedisStoreClient::AsyncDelete(const std::string& table, const std::string& key,
                                   StoreCallback<bool> done) {
  Send<bool>(Write({"HDEL", HashKey(table), key}),
             [](const RedisValue& v) -> StatusOr<bool> {
               if (v.type != RedisValue::kInteger) return Unexpected("HDEL");
               return v.integer > 0;
             },
             std::move(done));
}

void RedisStoreClient::AsyncDeleteByPrefix(const std::string& table, const std::string& prefix,
                                           StoreCallback<int64_t> done) {
  std::vector<std::string> argv =
      fence_.epoch == 0
          ? std::vector<std::string>{"EVAL", kDeleteByPrefixScript, "1", HashKey(table), prefix}
          : std::vector<std::string>{"EVAL", kFencedDeleteByPrefixScript, "2", fence_.epoch_key,
                                     HashKey(table), std::to_string(fence_.epoch), prefix};
  Send<int64_t>(std::move(argv),
                [](const RedisValue& v) -> StatusOr<int64_t> {
                  if (v.type != RedisValue::kInteger) return Unexpected("EVAL");
                  return v.integer;
                },
                std::move(done));
}

void RedisStoreClient::AsyncGetAll(const std::string& table,
                                   StoreCallback<std::map<std::string, std::string>> done) {
  Send<std::map<std::string, std::string>>(
      {"HGETALL", HashKey(table)},
      [](const RedisValue& v) -> StatusOr<std::map<std::string, std::string>> {
        if (v.type != RedisValue::kArray || v.elements.size() % 2 != 0) {
          return Unexpected("HGETALL");
        }
        std::map<std::string, std::string> rows;
        for (size_t i = 0; i + 1 < v.elements.size(); i += 2) {
          rows[v.elements[i].str] = v.elements[i + 1].str;
        }
        return rows;
      },
      std::move(done));
}

void RedisStoreClient::AsyncKeys(const std::string& table, const std::string& prefix,
                                 StoreCallback<std::vector<std::string>> done) {
  // HKEYS and a filter here: HSCAN's MATCH is a glob, which binary keys would have to escape.
  Send<std::vector<std::string>>(
      {"HKEYS", HashKey(table)},
      [prefix](const RedisValue& v) -> StatusOr<std::vector<std::string>> {
        if (v.type != RedisValue::kArray) return Unexpected("HKEYS");
        std::vector<std::string> keys;
        for (const auto& e : v.elements) {
          if (e.str.compare(0, prefix.size(), prefix) == 0) keys.push_back(e.str);
        }
        std::sort(keys.begin(), keys.end());
        return keys;
      },
      std::move(done));
}

}  // namespace colony::gcs
