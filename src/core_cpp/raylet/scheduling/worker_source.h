// The seam between lease scheduling and worker processes: the scheduler asks for a worker
// of (language, job) and hands it back when the lease ends. The worker pool implements it;
// scheduler tests implement it without processes.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/resources.h"
#include "common/status.h"

namespace colony::raylet {

// A registered worker, ready to receive pushed tasks.
struct LeasedWorker {
  WorkerID worker_id;
  rpc::Address address;  // node_id, ip, port, worker_id
  int32_t pid = 0;
};

using PopWorkerCallback = std::function<void(StatusOr<LeasedWorker>)>;

// What kind of worker a lease needs.
struct WorkerRequest {
  rpc::Language language = rpc::PYTHON;
  JobID job_id;
  // Java: options for a JVM of its own (an actor that needs them does not share a JVM).
  std::vector<std::string> jvm_options;
  // The runtime env its tasks run in (empty: none); workers of different hashes are
  // never shared. The pool builds the env (raylet/runtime_env_agent_client.*) before
  // starting a worker, and fails the pop with kRuntimeEnvSetupFailed if it cannot.
  std::string runtime_env_json;
  std::string runtime_env_hash;
  // What the lease holds: the worker's cgroup limits follow it (worker_pool_isolation.cc).
  ResourceSet resources;
};

class WorkerSource {
 public:
  virtual ~WorkerSource() = default;
  // Calls `callback`, possibly before returning, with an idle or newly started worker of
  // the request's (language, job, JVM options), or with an error when none can be started.
  virtual void PopWorker(const WorkerRequest& request, PopWorkerCallback callback) = 0;
  // The lease ended: the worker may serve another lease of its job.
  virtual void PushWorker(const WorkerID& worker_id) = 0;
  // The lease ended and the worker must not be reused.
  virtual void DisconnectWorker(const WorkerID& worker_id) = 0;
};

}  // namespace colony::raylet
