// The raylet's command-line configuration and its parser.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "common/id.h"
#include "common/resources.h"
#include "common/status.h"
#include "raylet/isolation/worker_isolation.h"

namespace colony::raylet {

struct RayletConfig {
  std::string gcs_address;  // HOST:PORT, required
  std::string node_ip = "127.0.0.1";
  int port = 0;             // 0 picks a free port
  std::string port_file;    // receives the bound port once registered
  NodeID node_id;           // random unless --node-id
  int num_cpus = 1;
  int num_gpus = 0;
  int64_t memory_bytes = 0;
  int64_t object_store_memory_bytes = 0;
  std::map<std::string, double> custom_resources;
  std::map<std::string, std::string> labels;  // as given (--labels); see AllLabels
  std::string session_dir;
  std::string python_executable = "python3";
  std::string java_executable = "java";
  std::vector<std::pair<std::string, std::string>> worker_env;
  int64_t idle_worker_timeout_ms = 10000;
  // Utilisation past which the default policy stops packing onto this node.
  double scheduler_spread_threshold = 0.5;
  // GPU plus --scarce-resources: work that does not ask for one avoids nodes that have it.
  std::vector<std::string> scarce_resources = {"GPU"};
  // Schedule by the workers' real use too (SchedulingPolicyOptions::real_usage).
  bool scheduler_real_usage = false;
  double memory_pressure_threshold = 0.95;
  int64_t gcs_connect_timeout_ms = 10000;
  int64_t worker_register_timeout_ms = 60000;
  std::string token;  // COLONY_CLUSTER_TOKEN
  // Workers' cgroups: auto picks v2, then v1, then off (raylet/isolation/).
  IsolationMode worker_isolation = IsolationMode::kAuto;

  // CPU, GPU (if any), memory, object_store_memory and the custom resources.
  ResourceSet TotalResources() const;
  // `labels` plus the built-in colony.io/node-id and colony.io/hostname.
  std::map<std::string, std::string> AllLabels() const;
};

// Parses argv (without argv[0]); errors name the offending flag. Defaults depend on the
// machine (CPU count, physical memory) and on COLONY_CLUSTER_TOKEN.
StatusOr<RayletConfig> ParseRayletFlags(const std::vector<std::string>& args);

const char* RayletUsage();

}  // namespace colony::raylet
