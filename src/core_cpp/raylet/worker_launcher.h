// Starts worker processes, `<python> -m colony._private.worker_main` or
// `java -cp <job classpath> io.colony.runtime.WorkerMain`, with the COLONY_* environment that
// tells the worker who and where it is, output going to the session's log folder.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/status.h"
#include "raylet.pb.h"

namespace colony::raylet {

struct WorkerLaunchOptions {
  std::string python_executable = "python3";
  std::string java_executable = "java";
  std::string java_classpath;  // Colony's Java runtime jars, appended to each job's path
  std::string jni_library;     // libcolony_jni.so for Java workers; empty: the jar's own
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
  // Told of every process started (its pid, job, worker ids and log file names): the log
  // monitor tails them and the worker log index records them.
  void set_launch_listener(std::function<void(const rpc::WorkerLogInfo&)> listener) {
    launch_listener_ = std::move(listener);
  }

  // Forks and execs a worker process of `language` for the job; returns its pid. A JVM
  // hosts one logical worker per id (COLONY_WORKER_IDS); a Python process takes one id.
  // The child dies with this raylet (PR_SET_PDEATHSIG), so a crashed raylet leaves no
  // orphans behind.
  StatusOr<pid_t> Launch(rpc::Language language, const std::vector<WorkerID>& worker_ids,
                         const JobID& job_id, const rpc::JobConfig& job,
                         const std::vector<std::string>& jvm_options = {},
                         const rpc::RuntimeEnvContext* runtime_env = nullptr) const;

  // DIR/logs/worker-<id>.<suffix>
  std::string LogPath(const WorkerID& worker_id, const char* suffix) const;
  static std::string LogName(const WorkerID& worker_id, const char* suffix);

 private:
  StatusOr<pid_t> LaunchProcess(rpc::Language language, const std::vector<WorkerID>& worker_ids,
                                const JobID& job_id, const rpc::JobConfig& job,
                                const std::vector<std::string>& jvm_options,
                                const rpc::RuntimeEnvContext* runtime_env) const;
  // The inherited environment, then --worker-env, then the COLONY_* identity variables.
  std::vector<std::string> BuildEnv(const WorkerID& worker_id, const JobID& job_id) const;
  std::string JavaClasspath(const rpc::JobConfig& job,
                            const rpc::RuntimeEnvContext* runtime_env) const;
  // `cwd`: the folder the process starts in (empty: the raylet's).
  StatusOr<pid_t> Spawn(const std::string& executable, std::vector<std::string> args,
                        std::vector<std::string> env, const WorkerID& worker_id,
                        const std::string& cwd = "") const;

  WorkerLaunchOptions options_;
  std::function<void(const rpc::WorkerLogInfo&)> launch_listener_;
};

}  // namespace colony::raylet
