// Starts worker processes: `<python> -m colony._private.worker_main` with the COLONY_*
// environment that tells the worker who and where it is, output going to the session's
// log folder.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "common/id.h"
#include "common/status.h"

namespace colony::raylet {

struct WorkerLaunchOptions {
  std::string python_executable = "python3";
  std::string session_dir;
  std::string raylet_address;  // ip:port of this raylet; known once it serves
  std::string gcs_address;
  NodeID node_id;
  std::string node_ip;
  std::string token;
  std::vector<std::pair<std::string, std::string>> extra_env;  // --worker-env
};

class WorkerLauncher {
 public:
  explicit WorkerLauncher(WorkerLaunchOptions options) : options_(std::move(options)) {}

  void set_raylet_address(std::string address) { options_.raylet_address = std::move(address); }

  // Forks and execs a Python worker; returns its pid. The child dies with this raylet
  // (PR_SET_PDEATHSIG), so a crashed raylet leaves no orphans behind.
  StatusOr<pid_t> LaunchPython(const WorkerID& worker_id, const JobID& job_id) const;

  // DIR/logs/worker-<id>.<suffix>
  std::string LogPath(const WorkerID& worker_id, const char* suffix) const;

 private:
  // The inherited environment, then --worker-env, then the COLONY_* identity variables.
  std::vector<std::string> BuildEnv(const WorkerID& worker_id, const JobID& job_id) const;

  WorkerLaunchOptions options_;
};

}  // namespace colony::raylet
