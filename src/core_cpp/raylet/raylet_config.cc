#include "raylet/raylet_config.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <thread>

#include "common/label_selector.h"

namespace colony::raylet {
namespace {

constexpr int64_t kMaxDefaultObjectStoreBytes = int64_t{2} << 30;

int64_t PhysicalMemoryBytes() {
  long pages = sysconf(_SC_PHYS_PAGES);
  long page_size = sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? int64_t{pages} * page_size : int64_t{1} << 30;
}

Status BadFlag(const std::string& flag, const std::string& why) {
  return Status::InvalidArgument("--" + flag + ": " + why);
}

Status ParseInt(const std::string& flag, const std::string& text, int64_t min, int64_t max,
                int64_t* out) {
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno != 0 || v < min || v > max) {
    return BadFlag(flag, "expected an integer in [" + std::to_string(min) + ", " +
                             std::to_string(max) + "], got '" + text + "'");
  }
  *out = v;
  return Status::OK();
}

Status ParseDouble(const std::string& flag, const std::string& text, double* out) {
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || errno != 0 || !std::isfinite(v) || v < 0) {
    return BadFlag(flag, "expected a number >= 0, got '" + text + "'");
  }
  *out = v;
  return Status::OK();
}

// "k=v,k=v" -> pairs; empty text gives none.
Status ParsePairs(const std::string& flag, const std::string& text,
                  std::vector<std::pair<std::string, std::string>>* out) {
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item = text.substr(start, end - start);
    size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      return BadFlag(flag, "expected name=value, got '" + item + "'");
    }
    out->emplace_back(item.substr(0, eq), item.substr(eq + 1));
    start = end + 1;
  }
  return Status::OK();
}

Status ParseHostPort(const std::string& flag, const std::string& text) {
  size_t colon = text.rfind(':');
  int64_t port;
  if (colon == std::string::npos || colon == 0 ||
      !ParseInt(flag, text.substr(colon + 1), 1, 65535, &port).ok()) {
    return BadFlag(flag, "expected HOST:PORT, got '" + text + "'");
  }
  return Status::OK();
}

Status ParseNodeId(const std::string& text, NodeID* out) {
  if (text.size() != 2 * NodeID::kSize) {
    return BadFlag("node-id", "expected " + std::to_string(2 * NodeID::kSize) + " hex digits");
  }
  std::string bytes(NodeID::kSize, '\0');
  for (size_t i = 0; i < NodeID::kSize; i++) {
    char* end = nullptr;
    std::string two = text.substr(2 * i, 2);
    long v = std::strtol(two.c_str(), &end, 16);
    if (*end != '\0' || !std::isxdigit(two[0])) return BadFlag("node-id", "not hex: '" + text + "'");
    bytes[i] = static_cast<char>(v);
  }
  *out = NodeID::FromBinary(bytes);
  return Status::OK();
}

bool IsBuiltinResource(const std::string& name) {
  return name == "CPU" || name == "GPU" || name == "memory" || name == "object_store_memory";
}

using Setter = std::function<Status(const std::string&, RayletConfig*)>;

Setter IntFlag(const std::string& flag, int64_t min, int64_t max,
               std::function<void(RayletConfig*, int64_t)> set) {
  return [=](const std::string& v, RayletConfig* c) {
    int64_t n;
    COLONY_RETURN_IF_ERROR(ParseInt(flag, v, min, max, &n));
    set(c, n);
    return Status::OK();
  };
}

std::map<std::string, Setter> Setters() {
  constexpr int64_t kMaxInt = 1 << 30;
  constexpr int64_t kMaxI64 = INT64_MAX / ResourceSet::kUnit;
  std::map<std::string, Setter> s;
  s["gcs-address"] = [](const std::string& v, RayletConfig* c) {
    COLONY_RETURN_IF_ERROR(ParseHostPort("gcs-address", v));
    c->gcs_address = v;
    return Status::OK();
  };
  s["node-ip"] = [](const std::string& v, RayletConfig* c) {
    if (v.empty()) return BadFlag("node-ip", "must not be empty");
    c->node_ip = v;
    return Status::OK();
  };
  s["port"] = IntFlag("port", 0, 65535, [](RayletConfig* c, int64_t n) { c->port = n; });
  s["port-file"] = [](const std::string& v, RayletConfig* c) {
    c->port_file = v;
    return Status::OK();
  };
  s["node-id"] = [](const std::string& v, RayletConfig* c) { return ParseNodeId(v, &c->node_id); };
  s["num-cpus"] = IntFlag("num-cpus", 0, kMaxInt, [](RayletConfig* c, int64_t n) { c->num_cpus = n; });
  s["num-gpus"] = IntFlag("num-gpus", 0, kMaxInt, [](RayletConfig* c, int64_t n) { c->num_gpus = n; });
  s["memory"] = IntFlag("memory", 0, kMaxI64, [](RayletConfig* c, int64_t n) { c->memory_bytes = n; });
  s["object-store-memory"] = IntFlag("object-store-memory", 0, kMaxI64, [](RayletConfig* c, int64_t n) {
    c->object_store_memory_bytes = n;
  });
  s["resources"] = [](const std::string& v, RayletConfig* c) {
    std::vector<std::pair<std::string, std::string>> pairs;
    COLONY_RETURN_IF_ERROR(ParsePairs("resources", v, &pairs));
    for (const auto& [name, text] : pairs) {
      if (IsBuiltinResource(name)) {
        return BadFlag("resources", name + " has its own flag (--num-cpus, --num-gpus, --memory, "
                                           "--object-store-memory)");
      }
      double amount;
      COLONY_RETURN_IF_ERROR(ParseDouble("resources", text, &amount));
      c->custom_resources[name] = amount;
    }
    return Status::OK();
  };
  s["labels"] = [](const std::string& v, RayletConfig* c) {
    std::vector<std::pair<std::string, std::string>> pairs;
    COLONY_RETURN_IF_ERROR(ParsePairs("labels", v, &pairs));
    for (const auto& [key, value] : pairs) {
      if (key.empty()) return BadFlag("labels", "a label key must not be empty");
      if (key.rfind("colony.io/", 0) == 0) {
        return BadFlag("labels", "label '" + key + "': keys starting with colony.io/ are "
                       "built in (colony.io/node-id, colony.io/hostname)");
      }
      c->labels[key] = value;
    }
    return Status::OK();
  };
  s["session-dir"] = [](const std::string& v, RayletConfig* c) {
    if (v.empty()) return BadFlag("session-dir", "must not be empty");
    c->session_dir = v;
    return Status::OK();
  };
  s["java-executable"] = [](const std::string& v, RayletConfig* c) {
    if (v.empty()) return BadFlag("java-executable", "must not be empty");
    c->java_executable = v;
    return Status::OK();
  };
  s["python-executable"] = [](const std::string& v, RayletConfig* c) {
    if (v.empty()) return BadFlag("python-executable", "must not be empty");
    c->python_executable = v;
    return Status::OK();
  };
  s["worker-env"] = [](const std::string& v, RayletConfig* c) {
    return ParsePairs("worker-env", v, &c->worker_env);
  };
  s["idle-worker-timeout-ms"] = IntFlag("idle-worker-timeout-ms", 0, INT64_MAX / 2,
                                        [](RayletConfig* c, int64_t n) { c->idle_worker_timeout_ms = n; });
  s["scarce-resources"] = [](const std::string& v, RayletConfig* c) {
    size_t start = 0;
    while (true) {
      size_t comma = v.find(',', start);
      std::string name = v.substr(start, comma == std::string::npos ? comma : comma - start);
      if (name.empty()) {
        return BadFlag("scarce-resources", "expected resource names separated by commas, got '" +
                                               v + "'");
      }
      c->scarce_resources.push_back(name);
      if (comma == std::string::npos) return Status::OK();
      start = comma + 1;
    }
  };
  s["scheduler-real-usage"] = [](const std::string& v, RayletConfig* c) {
    if (v != "true" && v != "false") {
      return BadFlag("scheduler-real-usage", "expected true or false, got '" + v + "'");
    }
    c->scheduler_real_usage = v == "true";
    return Status::OK();
  };
  s["memory-pressure-threshold"] = [](const std::string& v, RayletConfig* c) {
    double threshold;
    COLONY_RETURN_IF_ERROR(ParseDouble("memory-pressure-threshold", v, &threshold));
    if (threshold <= 0 || threshold > 1) {
      return BadFlag("memory-pressure-threshold", "must be in (0, 1], got " + v);
    }
    c->memory_pressure_threshold = threshold;
    return Status::OK();
  };
  s["scheduler-spread-threshold"] = [](const std::string& v, RayletConfig* c) {
    double threshold;
    COLONY_RETURN_IF_ERROR(ParseDouble("scheduler-spread-threshold", v, &threshold));
    if (threshold < 0 || threshold > 1) {
      return BadFlag("scheduler-spread-threshold", "must be between 0 and 1, got " + v);
    }
    c->scheduler_spread_threshold = threshold;
    return Status::OK();
  };
  s["worker-isolation"] = [](const std::string& v, RayletConfig* c) {
    auto mode = ParseIsolationMode(v);
    if (!mode.ok()) return BadFlag("worker-isolation", mode.status().message());
    c->worker_isolation = *mode;
    return Status::OK();
  };
  s["gcs-connect-timeout-ms"] = IntFlag("gcs-connect-timeout-ms", 1, INT64_MAX / 2,
                                        [](RayletConfig* c, int64_t n) { c->gcs_connect_timeout_ms = n; });
  s["worker-register-timeout-ms"] = IntFlag(
      "worker-register-timeout-ms", 1, INT64_MAX / 2,
      [](RayletConfig* c, int64_t n) { c->worker_register_timeout_ms = n; });
  return s;
}

RayletConfig Defaults() {
  RayletConfig c;
  c.node_id = NodeID::FromRandom();
  c.num_cpus = std::max(1u, std::thread::hardware_concurrency());
  int64_t physical = PhysicalMemoryBytes();
  c.object_store_memory_bytes = std::min(physical * 3 / 10, kMaxDefaultObjectStoreBytes);
  c.memory_bytes = physical * 7 / 10;
  const char* token = std::getenv("COLONY_CLUSTER_TOKEN");
  c.token = token ? token : "";
  return c;
}

}  // namespace

std::map<std::string, std::string> RayletConfig::AllLabels() const {
  std::map<std::string, std::string> all = labels;
  all[kNodeIdLabel] = node_id.Hex();
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) all[kHostnameLabel] = host;
  return all;
}

ResourceSet RayletConfig::TotalResources() const {
  ResourceSet total = ResourceSet::FromMap(custom_resources);
  total.Set("CPU", num_cpus);
  if (num_gpus > 0) total.Set("GPU", num_gpus);
  total.Set("memory", static_cast<double>(memory_bytes));
  total.Set("object_store_memory", static_cast<double>(object_store_memory_bytes));
  return total;
}

StatusOr<RayletConfig> ParseRayletFlags(const std::vector<std::string>& args) {
  RayletConfig config = Defaults();
  const auto setters = Setters();
  for (size_t i = 0; i < args.size(); i++) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0) {
      return Status::InvalidArgument("unexpected argument '" + arg + "'");
    }
    std::string name = arg.substr(2);
    std::string value;
    size_t eq = name.find('=');
    bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    auto setter = setters.find(name);
    if (setter == setters.end()) return Status::InvalidArgument("unknown flag --" + name);
    if (!inline_value) {
      if (i + 1 >= args.size()) return BadFlag(name, "missing value");
      value = args[++i];
    }
    COLONY_RETURN_IF_ERROR(setter->second(value, &config));
  }
  if (config.gcs_address.empty()) return BadFlag("gcs-address", "is required");
  if (config.session_dir.empty()) {
    config.session_dir = "/tmp/colony/session_raylet_" + config.node_id.Hex().substr(0, 8);
  }
  return config;
}

const char* RayletUsage() {
  return "usage: colony-raylet --gcs-address HOST:PORT [flags]\n"
         "  --node-ip IP                   address workers and peers use (127.0.0.1)\n"
         "  --port N                       gRPC port, 0 picks one (0)\n"
         "  --port-file PATH               write the bound port here once registered\n"
         "  --node-id HEX                  32 hex digits (random)\n"
         "  --num-cpus N                   (hardware threads)\n"
         "  --num-gpus N                   (0)\n"
         "  --memory BYTES                 (70% of physical memory)\n"
         "  --object-store-memory BYTES    (30% of physical memory, at most 2 GiB)\n"
         "  --resources name=v,...         custom resources\n"
         "  --labels k=v,...               node labels\n"
         "  --session-dir DIR              logs go to DIR/logs\n"
         "  --python-executable PATH       (python3)\n"
         "  --java-executable PATH         (java)\n"
         "  --worker-env K=V,...           extra environment for workers\n"
         "  --idle-worker-timeout-ms N     (10000)\n"
         "  --scheduler-spread-threshold F pack tasks here until this utilisation (0.5)\n"
         "  --scarce-resources NAME,...    besides GPU: work not asking for one avoids its nodes\n"
         "  --scheduler-real-usage BOOL    also schedule by workers' real CPU/memory (false)\n"
         "  --memory-pressure-threshold F  with it, no new work above this memory use (0.95)\n"
         "  --worker-isolation MODE        auto|cgroupv1|cgroupv2|off: a cgroup per worker (auto)\n"
         "  --gcs-connect-timeout-ms N     give up registering after N ms (10000)\n"
         "  --worker-register-timeout-ms N kill workers not registered by then (60000)\n"
         "env: COLONY_CLUSTER_TOKEN        cluster token checked on every call\n";
}

}  // namespace colony::raylet
