// colony-gcs: the cluster's control store. Serves until SIGTERM or SIGINT.
//   colony-gcs --port 0 --port-file /tmp/gcs_port [--bind-ip IP]
//              [--health-check-timeout-ms MS] [--session-dir DIR] [--log-level LEVEL]
//              [--storage memory|redis://HOST:PORT[/DB]] [--cluster-id ID]
//              [--standby [--leader-lease-ms MS]]
// The cluster token (COLONY_CLUSTER_TOKEN) and the Redis password (COLONY_REDIS_PASSWORD)
// come from the environment, not argv, so they do not show up in process listings.
#include <signal.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <future>
#include <mutex>
#include <thread>
#include <memory>
#include <optional>
#include <string>

#include "common/logging.h"
#include "common/parent_watch.h"
#include "gcs/gcs_server.h"
#include "gcs/store/in_memory_store_client.h"
#include "gcs/store/leader_lease.h"
#include "gcs/store/redis_store_client.h"

namespace colony::gcs {
namespace {

constexpr int kExitBadFlags = 2;
// A leader that lost its lease: a supervisor restarts it, and it waits as a standby.
constexpr int kExitLostLease = 3;
constexpr const char* kUsage =
    "usage: colony-gcs [--port N] [--bind-ip IP] [--port-file PATH]\n"
    "                  [--health-check-timeout-ms MS] [--session-dir DIR]\n"
    "                  [--scheduler-spread-threshold F] [--scarce-resources NAME,...]\n"
    "                  [--scheduler-real-usage true|false] [--memory-pressure-threshold F]\n"
    "                  [--storage memory|redis://HOST:PORT[/DB]] [--cluster-id ID]\n"
    "                  [--max-events N] [--task-attempts-per-job N]\n"
    "                  [--standby [--leader-lease-ms MS]]\n"
    "                  [--log-level debug|info|warning|error]\n"
    "The cluster token is read from COLONY_CLUSTER_TOKEN (empty: no check), the Redis\n"
    "password from COLONY_REDIS_PASSWORD. --cluster-id names the cluster's keys in Redis\n"
    "(default 'default'), so clusters sharing one Redis keep apart.\n"
    "--standby (with Redis storage and a fixed --port) serves only while holding the\n"
    "cluster's leader lease in Redis (--leader-lease-ms, default 3000): start several\n"
    "this way and one leads while the others wait to take over.\n";

struct Flags {
  GcsServerOptions server;
  std::string port_file;
  std::string log_level;
  std::optional<RedisOptions> redis;  // unset: in-memory storage
  std::string cluster_id = "default";
  bool standby = false;
  LeaderLeaseOptions lease;
};

[[noreturn]] void FlagError(const std::string& message) {
  std::fprintf(stderr, "colony-gcs: %s\n%s", message.c_str(), kUsage);
  std::exit(kExitBadFlags);
}

int64_t ParseInt(const std::string& flag, const std::string& text, int64_t min, int64_t max) {
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < min ||
      value > max) {
    FlagError("invalid value for " + flag + ": '" + text + "' (expected an integer in [" +
              std::to_string(min) + ", " + std::to_string(max) + "])");
  }
  return value;
}

void ApplyFlag(const std::string& flag, const std::string& value, Flags* flags) {
  if (flag == "--port") {
    flags->server.port = static_cast<int>(ParseInt(flag, value, 0, 65535));
  } else if (flag == "--bind-ip") {
    if (value.empty()) FlagError("--bind-ip must not be empty");
    flags->server.bind_ip = value;
  } else if (flag == "--port-file") {
    flags->port_file = value;
  } else if (flag == "--health-check-timeout-ms") {
    flags->server.health_check_timeout_ms = ParseInt(flag, value, 1, 24LL * 3600 * 1000);
  } else if (flag == "--scheduler-spread-threshold") {
    char* end = nullptr;
    double threshold = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !(threshold >= 0 && threshold <= 1)) {
      FlagError("invalid value for " + flag + ": '" + value + "' (expected a number in [0, 1])");
    }
    flags->server.actor_scheduler.spread_threshold = threshold;
  } else if (flag == "--scheduler-real-usage") {
    if (value != "true" && value != "false") {
      FlagError("invalid value for " + flag + ": '" + value + "' (expected true or false)");
    }
    flags->server.actor_scheduler.real_usage = value == "true";
  } else if (flag == "--memory-pressure-threshold") {
    char* end = nullptr;
    double threshold = std::strtod(value.c_str(), &end);
    if (value.empty() || *end != '\0' || !(threshold > 0 && threshold <= 1)) {
      FlagError("invalid value for " + flag + ": '" + value + "' (expected a number in (0, 1])");
    }
    flags->server.actor_scheduler.memory_pressure_threshold = threshold;
  } else if (flag == "--scarce-resources") {
    // Added to GPU: work that does not ask for these avoids the nodes that have them.
    size_t start = 0;
    while (start <= value.size()) {
      size_t comma = value.find(',', start);
      std::string name = value.substr(start, comma == std::string::npos ? std::string::npos
                                                                         : comma - start);
      if (name.empty()) FlagError("invalid value for " + flag + ": '" + value +
                                  "' (expected resource names separated by commas)");
      flags->server.actor_scheduler.scarce_resources.push_back(name);
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else if (flag == "--storage") {
    if (value == "memory") {
      flags->redis.reset();
      return;
    }
    auto redis = ParseRedisUrl(value);
    if (!redis.ok()) FlagError(redis.status().message());
    flags->redis = *redis;
  } else if (flag == "--cluster-id") {
    Status valid = ValidateClusterId(value);
    if (!valid.ok()) FlagError(valid.message());
    flags->cluster_id = value;
  } else if (flag == "--max-events") {
    flags->server.events.max_events = ParseInt(flag, value, 1, 10000000);
  } else if (flag == "--task-attempts-per-job") {
    flags->server.events.max_task_attempts_per_job = ParseInt(flag, value, 1, 10000000);
  } else if (flag == "--leader-lease-ms") {
    flags->lease.lease_ms = ParseInt(flag, value, 100, 3600 * 1000);
  } else if (flag == "--session-dir") {
    flags->server.session_dir = value;
  } else if (flag == "--log-level") {
    if (value != "debug" && value != "info" && value != "warning" && value != "error") {
      FlagError("invalid value for --log-level: '" + value +
                "' (expected debug, info, warning or error)");
    }
    flags->log_level = value;
  } else {
    FlagError("unknown flag " + flag);
  }
}

// Accepts "--flag value" and "--flag=value".
Flags ParseFlags(int argc, char** argv) {
  Flags flags;
  // The event buffers' bounds may also come from the environment (a flag wins), so tests
  // and local clusters can set them without a flag of every starter.
  if (const char* n = std::getenv("COLONY_TASK_ATTEMPTS_PER_JOB")) {
    ApplyFlag("--task-attempts-per-job", n, &flags);
  }
  if (const char* n = std::getenv("COLONY_MAX_EVENTS")) ApplyFlag("--max-events", n, &flags);
  for (int i = 1; i < argc; i++) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    if (arg.rfind("--", 0) != 0) FlagError("unexpected argument '" + arg + "'");
    if (arg == "--standby") {  // the one flag without a value
      flags.standby = true;
      continue;
    }
    auto eq = arg.find('=');
    if (eq != std::string::npos) {
      ApplyFlag(arg.substr(0, eq), arg.substr(eq + 1), &flags);
    } else if (i + 1 < argc) {
      ApplyFlag(arg, argv[++i], &flags);
    } else {
      FlagError(arg + " requires a value");
    }
  }
  if (flags.standby && !flags.redis) {
    FlagError("--standby needs --storage redis://HOST:PORT[/DB]: the leader lease and the "
              "tables a standby takes over live in Redis");
  }
  if (flags.standby && flags.server.port == 0) {
    FlagError("--standby needs a fixed --port: clients list every head's address and follow "
              "the one that serves");
  }
  return flags;
}

// Writes then renames, so a reader polling for the file never sees a partial port.
Status WritePortFile(const std::string& path, int port) {
  std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port;
    out.close();
    if (!out) return Status::IOError("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError("cannot rename " + tmp + " to " + path + ": " + std::strerror(errno));
  }
  return Status::OK();
}

// The host other machines reach this GCS at, for the lease's token and LEADER_ADDRESS:
// the bind address, or the machine's name when bound to every interface.
std::string AdvertisedHost(const std::string& bind_ip) {
  if (bind_ip != "0.0.0.0" && bind_ip != "::") return bind_ip;
  char name[256] = {};
  if (gethostname(name, sizeof(name) - 1) != 0 || name[0] == '\0') return bind_ip;
  return name;
}

int Run(int argc, char** argv) {
  // Block the stop signals before any thread exists so every thread inherits the mask
  // and sigwait below is the only place they are taken: no async-signal-safety concerns.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Flags flags = ParseFlags(argc, argv);
  // The log level is read from the environment on first use, so set it before any log.
  if (!flags.log_level.empty()) setenv("COLONY_LOG_LEVEL", flags.log_level.c_str(), 1);
  SetLogComponent("gcs");
  const char* token = std::getenv("COLONY_CLUSTER_TOKEN");
  flags.server.cluster_token = token == nullptr ? "" : token;

  // SIGTERM/SIGINT are taken by this thread, so a standby waiting for the lease can be
  // stopped too; the main thread waits for `stopping`.
  std::promise<int> stopping;
  std::unique_ptr<LeaderLease> lease;
  std::mutex lease_mu;  // lease is set once, then read by the signal thread
  std::thread signals([&] {
    int signal_number = 0;
    sigwait(&stop_signals, &signal_number);
    std::lock_guard<std::mutex> lock(lease_mu);
    // A standby stops waiting; a leader keeps renewing until its last write is done.
    if (lease && lease->epoch() == 0) lease->Cancel();
    stopping.set_value(signal_number);
  });
  signals.detach();
  auto stopped = stopping.get_future().share();

  RedisOptions redis;
  RedisFence fence;
  if (flags.redis) {
    redis = *flags.redis;
    redis.cluster_id = flags.cluster_id;
    const char* password = std::getenv("COLONY_REDIS_PASSWORD");
    redis.password = password == nullptr ? "" : password;
  }
  if (flags.standby) {
    std::string me =
        AdvertisedHost(flags.server.bind_ip) + ":" + std::to_string(flags.server.port);
    {
      std::lock_guard<std::mutex> lock(lease_mu);
      lease = std::make_unique<LeaderLease>(redis, flags.lease, me);
    }
    colony::ExitWithPidFromEnvironment();
    COLONY_LOG(INFO) << "standby GCS " << me << ": waiting for the leader lease "
                     << lease->LeaseKey() << " at " << DescribeRedis(redis);
    auto epoch = lease->Acquire();
    if (!epoch.ok()) {
      if (epoch.status().code() == StatusCode::kCancelled) {
        COLONY_LOG(INFO) << "stopped while standing by";
        return 0;
      }
      COLONY_LOG(ERROR) << "GCS failed to start: " << epoch.status().ToString();
      return 1;
    }
    // From here every write carries the epoch; a refused one means a newer leader exists.
    fence.epoch = *epoch;
    fence.epoch_key = lease->EpochKey();
    fence.on_fenced = [](const std::string& why) {
      COLONY_LOG(ERROR) << "stepping down at once: " << why;
      std::_Exit(kExitLostLease);
    };
    lease->StartRenewing([](const std::string& why) {
      COLONY_LOG(ERROR) << "stepping down at once: " << why;
      std::_Exit(kExitLostLease);
    });
  } else if (flags.redis) {
    // A GCS without a lease would write unfenced beside a leader: refuse to start.
    auto holder = LeaderLease::CurrentHolder(redis);
    if (holder.ok() && holder->has_value()) {
      COLONY_LOG(ERROR) << "GCS failed to start: cluster '" << redis.cluster_id << "' at "
                        << DescribeRedis(redis) << " is led by " << **holder
                        << " through the leader lease; start this GCS with --standby";
      return 1;
    }
  }

  GcsServer::StoreFactory make_store = [](EventLoop*) -> std::unique_ptr<StoreClient> {
    return std::make_unique<InMemoryStoreClient>();
  };
  if (flags.redis) {
    make_store = [redis, fence](EventLoop* loop) -> std::unique_ptr<StoreClient> {
      return std::make_unique<RedisStoreClient>(loop, redis, fence);
    };
  }
  GcsServer server(flags.server, make_store);
  Status status = server.Start();
  if (status.ok() && lease) {
    status = lease->PublishAddress(AdvertisedHost(flags.server.bind_ip) + ":" +
                                   std::to_string(server.port()));
  }
  if (status.ok() && !flags.port_file.empty()) {
    status = WritePortFile(flags.port_file, server.port());
  }
  if (!status.ok()) {
    COLONY_LOG(ERROR) << "GCS failed to start: " << status.ToString();
    server.Stop();
    if (lease) lease->Release();
    return 1;
  }

  if (!lease) colony::ExitWithPidFromEnvironment();
  int signal_number = stopped.get();
  COLONY_LOG(INFO) << "received " << strsignal(signal_number) << ", shutting down";
  server.Stop();
  // Only after the last write: a standby taking over now sees every acknowledged change.
  if (lease) lease->Release();
  return 0;
}

}  // namespace
}  // namespace colony::gcs

int main(int argc, char** argv) { return colony::gcs::Run(argc, argv); }
