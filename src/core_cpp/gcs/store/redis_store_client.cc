#include "gcs/store/redis_store_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>

#include "common/logging.h"

namespace colony::gcs {
namespace {

constexpr const char* kUrlScheme = "redis://";
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

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool ParseNumber(const std::string& text, int64_t min, int64_t max, int64_t* out) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return false;
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

RedisValue Copy(const redisReply* reply) {
  RedisValue value;
  switch (reply->type) {
    case REDIS_REPLY_INTEGER:
      value.type = RedisValue::kInteger;
      value.integer = reply->integer;
      break;
    case REDIS_REPLY_STRING:
      value.type = RedisValue::kString;
      value.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_STATUS:
      value.type = RedisValue::kStatus;
      value.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ERROR:
      value.type = RedisValue::kError;
      value.str.assign(reply->str, reply->len);
      break;
    case REDIS_REPLY_ARRAY:
      value.type = RedisValue::kArray;
      value.elements.reserve(reply->elements);
      for (size_t i = 0; i < reply->elements; i++) value.elements.push_back(Copy(reply->element[i]));
      break;
    default:
      value.type = RedisValue::kNil;
  }
  return value;
}

// Runs one command on a connection that has no pipeline in flight (connection set-up).
StatusOr<RedisValue> Command1(redisContext* ctx, const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(args.size()), args.data(), lens.data()));
  if (reply == nullptr) return Status::Unavailable(ctx->errstr);
  RedisValue value = Copy(reply);
  freeReplyObject(reply);
  return value;
}

}  // namespace

Status ValidateClusterId(const std::string& cluster_id) {
  if (cluster_id.empty() || cluster_id.size() > 128 ||
      !std::all_of(cluster_id.begin(), cluster_id.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.';
      })) {
    return Status::InvalidArgument("invalid cluster id '" + cluster_id +
                                   "' (expected 1-128 characters of [A-Za-z0-9_.-])");
  }
  return Status::OK();
}

StatusOr<RedisOptions> ParseRedisUrl(const std::string& url) {
  auto bad = [&url](const std::string& why) {
    return Status::InvalidArgument("invalid Redis address '" + url + "': " + why +
                                   " (expected redis://HOST:PORT[/DB])");
  };
  if (url.rfind(kUrlScheme, 0) != 0) return bad("it does not start with redis://");
  std::string rest = url.substr(std::string(kUrlScheme).size());
  RedisOptions options;
  auto slash = rest.find('/');
  if (slash != std::string::npos) {
    int64_t db = 0;
    if (!ParseNumber(rest.substr(slash + 1), 0, 1 << 20, &db)) return bad("DB is not a number");
    options.db = static_cast<int>(db);
    rest = rest.substr(0, slash);
  }
  auto colon = rest.rfind(':');
  if (colon == std::string::npos) return bad("no port");
  options.host = rest.substr(0, colon);
  if (options.host.empty()) return bad("no host");
  if (options.host.find('@') != std::string::npos) {
    return bad("put the password in COLONY_REDIS_PASSWORD, not in the address");
  }
  int64_t port = 0;
  if (!ParseNumber(rest.substr(colon + 1), 1, 65535, &port)) return bad("port is not in 1-65535");
  options.port = static_cast<int>(port);
  return options;
}

RedisStoreClient::RedisStoreClient(EventLoop* loop, RedisOptions options)
    : loop_(loop), options_(std::move(options)) {}

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

std::string RedisStoreClient::Describe() const {
  return "redis://" + options_.host + ":" + std::to_string(options_.port) + "/" +
         std::to_string(options_.db);
}

std::string RedisStoreClient::HashKey(const std::string& table) const {
  return "colony@" + options_.cluster_id + "@" + table;
}

Status RedisStoreClient::TryConnect() {
  struct timeval tv;
  tv.tv_sec = kIoTimeoutMs / 1000;
  tv.tv_usec = (kIoTimeoutMs % 1000) * 1000;
  redisContext* ctx = redisConnectWithTimeout(options_.host.c_str(), options_.port, tv);
  if (ctx == nullptr) return Status::Unavailable("out of memory");
  if (ctx->err) {
    Status s = Status::Unavailable(ctx->errstr);
    redisFree(ctx);
    return s;
  }
  redisSetTimeout(ctx, tv);
  auto setup = [&](const std::vector<std::string>& argv, const char* what) -> Status {
    auto reply = Command1(ctx, argv);
    if (!reply.ok()) return reply.status();
    if (reply->type == RedisValue::kError) {
      return Status::InvalidArgument(std::string(what) + " refused: " + reply->str);
    }
    return Status::OK();
  };
  Status s;
  if (!options_.password.empty()) s = setup({"AUTH", options_.password}, "AUTH");
  if (s.ok() && options_.db != 0) s = setup({"SELECT", std::to_string(options_.db)}, "SELECT");
  if (s.ok()) s = setup({"PING"}, "PING");  // NOAUTH shows up here when a password is needed
  if (!s.ok()) {
    redisFree(ctx);
    return s;
  }
  context_ = ctx;
  return Status::OK();
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
  if (context_ != nullptr) redisFree(context_);
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
        RedisValue value = Copy(static_cast<redisReply*>(raw));
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
                      where = std::move(where)](StatusOr<RedisValue> reply) {
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
  Send<bool>({overwrite ? "HSET" : "HSETNX", HashKey(table), key, std::move(value)},
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
  Send<bool>({"HDEL", HashKey(table), key},
             [](const RedisValue& v) -> StatusOr<bool> {
               if (v.type != RedisValue::kInteger) return Unexpected("HDEL");
               return v.integer > 0;
             },
             std::move(done));
}

void RedisStoreClient::AsyncDeleteByPrefix(const std::string& table, const std::string& prefix,
                                           StoreCallback<int64_t> done) {
  Send<int64_t>({"EVAL", kDeleteByPrefixScript, "1", HashKey(table), prefix},
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
