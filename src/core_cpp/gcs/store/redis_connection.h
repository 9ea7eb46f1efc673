// What the GCS's Redis users share (the store's I/O thread and the leader lease, each on
// its own connection): the address and key prefix, synchronous connection set-up and one
// blocking command, and replies copied out of hiredis.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"

struct redisContext;

namespace colony::gcs {

struct RedisOptions {
  std::string host;
  int port = 6379;
  int db = 0;
  std::string password;                // from COLONY_REDIS_PASSWORD; empty: no AUTH
  std::string cluster_id = "default";  // key prefix: [A-Za-z0-9_.-]+
  int64_t connect_timeout_ms = 60000;  // how long Connect() keeps trying at start-up
};

// Parses "redis://HOST:PORT[/DB]" (PORT 1-65535, DB >= 0) into host, port and db.
StatusOr<RedisOptions> ParseRedisUrl(const std::string& url);
Status ValidateClusterId(const std::string& cluster_id);
// "redis://host:port/db", for logs and errors.
std::string DescribeRedis(const RedisOptions& options);
// The Redis key of one of a cluster's objects: "colony@<cluster_id>@<name>".
std::string ClusterRedisKey(const std::string& cluster_id, const std::string& name);

// A Redis reply, copied off the connection.
struct RedisValue {
  enum Type { kNil, kInteger, kString, kArray, kError, kStatus };
  Type type = kNil;
  int64_t integer = 0;
  std::string str;
  std::vector<RedisValue> elements;
};

// Copies a hiredis reply (a `redisReply*`, opaque here so callers need no hiredis header).
RedisValue CopyRedisReply(const void* reply);

// One connection attempt with AUTH and SELECT, each read or write limited to
// io_timeout_ms. Unavailable when Redis cannot be reached; InvalidArgument when it
// refuses the password or DB (retrying will not help).
StatusOr<redisContext*> OpenRedisConnection(const RedisOptions& options, int64_t io_timeout_ms);
// Runs one command on a connection with no pipeline in flight; Unavailable when the link
// failed (the connection is then unusable: free it and open another).
StatusOr<RedisValue> RunRedisCommand(redisContext* ctx, const std::vector<std::string>& argv);
void CloseRedisConnection(redisContext* ctx);

}  // namespace colony::gcs
