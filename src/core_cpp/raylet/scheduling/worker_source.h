// The seam between lease scheduling and worker processes: the scheduler asks for a worker
// of (language, job) and hands it back when the lease ends. The worker pool implements it;
// scheduler tests implement it without processes.
#pragma once

#include <cstdint>
#include <functional>

#include "common.pb.h"
#include "common/id.h"
#include "common/status.h"

namespace colony::raylet {

// A registered worker, ready to receive pushed tasks.
struct LeasedWorker {
  WorkerID worker_id;
  rpc::Address address;  // node_id, ip, port, worker_id
  int32_t pid = 0;
};

using PopWorkerCallback = std::function<void(StatusOr<LeasedWorker>)>;

class WorkerSource {
 public:
  virtual ~WorkerSource() = default;
  // Calls `callback`, possibly before returning, with an idle or newly started worker of
  // (language, job_id), or with an error when none can be started.
  virtual void PopWorker(rpc::Language language, const JobID& job_id,
                         PopWorkerCallback callback) = 0;
  // The lease ended: the worker may serve another lease of its job.
  virtual void PushWorker(const WorkerID& worker_id) = 0;
  // The lease ended and the worker must not be reused.
  virtual void DisconnectWorker(const WorkerID& worker_id) = 0;
};

}  // namespace colony::raylet
