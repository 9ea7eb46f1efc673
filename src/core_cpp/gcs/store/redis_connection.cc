#include "gcs/store/redis_connection.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <charconv>

namespace colony::gcs {
namespace {

constexpr const char* kUrlScheme = "redis://";

bool ParseNumber(const std::string& text, int64_t min, int64_t max, int64_t* out) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return false;
  if (value < min || value > max) return false;
  *out = value;
  return true;
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

std::string DescribeRedis(const RedisOptions& options) {
  return "redis://" + options.host + ":" + std::to_string(options.port) + "/" +
         std::to_string(options.db);
}

std::string ClusterRedisKey(const std::string& cluster_id, const std::string& name) {
  return "colony@" + cluster_id + "@" + name;
}

RedisValue CopyRedisReply(const void* raw) {
  const auto* reply = static_cast<const redisReply*>(raw);
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
      for (size_t i = 0; i < reply->elements; i++) {
        value.elements.push_back(CopyRedisReply(reply->element[i]));
      }
      break;
    default:
      value.type = RedisValue::kNil;
  }
  return value;
}

StatusOr<RedisValue> RunRedisCommand(redisContext* ctx, const std::vector<std::string>& argv) {
  std::vector<const char*> args;
  std::vector<size_t> lens;
  for (const auto& a : argv) {
    args.push_back(a.data());
    lens.push_back(a.size());
  }
  auto* reply = static_cast<redisReply*>(
      redisCommandArgv(ctx, static_cast<int>(args.size()), args.data(), lens.data()));
  if (reply == nullptr) return Status::Unavailable(ctx->errstr);
  RedisValue value = CopyRedisReply(reply);
  freeReplyObject(reply);
  return value;
}

StatusOr<redisContext*> OpenRedisConnection(const RedisOptions& options, int64_t io_timeout_ms) {
  struct timeval tv;
  tv.tv_sec = io_timeout_ms / 1000;
  tv.tv_usec = (io_timeout_ms % 1000) * 1000;
  redisContext* ctx = redisConnectWithTimeout(options.host.c_str(), options.port, tv);
  if (ctx == nullptr) return Status::Unavailable("out of memory");
  if (ctx->err) {
    Status s = Status::Unavailable(ctx->errstr);
    redisFree(ctx);
    return s;
  }
  redisSetTimeout(ctx, tv);
  auto setup = [&](const std::vector<std::string>& argv, const char* what) -> Status {
    auto reply = RunRedisCommand(ctx, argv);
    if (!reply.ok()) return reply.status();
    if (reply->type == RedisValue::kError) {
      // A restarted Redis accepts connections while it still loads its append-only file and
      // answers LOADING until it is done: not a refusal, a reason to try again.
      if (reply->str.rfind("LOADING", 0) == 0) {
        return Status::Unavailable(std::string(what) + ": " + reply->str);
      }
      return Status::InvalidArgument(std::string(what) + " refused: " + reply->str);
    }
    return Status::OK();
  };
  Status s;
  if (!options.password.empty()) s = setup({"AUTH", options.password}, "AUTH");
  if (s.ok() && options.db != 0) s = setup({"SELECT", std::to_string(options.db)}, "SELECT");
  if (s.ok()) s = setup({"PING"}, "PING");  // NOAUTH shows up here when a password is needed
  if (!s.ok()) {
    redisFree(ctx);
    return s;
  }
  return ctx;
}

void CloseRedisConnection(redisContext* ctx) {
  if (ctx != nullptr) redisFree(ctx);
}

}  // namespace colony::gcs
