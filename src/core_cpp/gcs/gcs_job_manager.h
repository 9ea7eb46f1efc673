// Jobs: one per driver. Assigns job IDs from a persisted counter (1, 2, ...) so IDs stay
// unique across GCS restarts with a persistent store.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "common/id.h"
#include "gcs.pb.h"
#include "gcs/store_client.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

class GcsJobManager {
 public:
  // Called once per job, when it is first marked finished.
  using JobFinishedListener = std::function<void(const JobID&)>;

  explicit GcsJobManager(StoreClient* store) : store_(store) {}

  void AddJobFinishedListener(JobFinishedListener listener) {
    finished_listeners_.push_back(std::move(listener));
  }

  // Reloads jobs and the job counter from the store; call once before serving.
  Status Initialize();

  // Assigns the next job ID, stamps the start time and stores `job`.
  StatusOr<JobID> AddJob(rpc::JobInfo job);
  Status MarkJobFinished(const JobID& job_id);
  // Jobs in ID order, finished ones included.
  std::vector<rpc::JobInfo> GetAllJobs() const;

  void HandleAddJob(const rpc::AddJobRequest& request, rpc::AddJobReply* reply,
                    rpc::SendReply send_reply);
  void HandleMarkJobFinished(const rpc::MarkJobFinishedRequest& request,
                             rpc::MarkJobFinishedReply* reply, rpc::SendReply send_reply);
  void HandleGetAllJobInfo(const rpc::GetAllJobInfoRequest& request,
                           rpc::GetAllJobInfoReply* reply, rpc::SendReply send_reply);

 private:
  Status SaveJob(const rpc::JobInfo& job);

  StoreClient* store_;
  uint32_t job_counter_ = 0;
  // Cache of the JOB table, keyed by the job's integer ID.
  std::map<uint32_t, rpc::JobInfo> jobs_;
  std::vector<JobFinishedListener> finished_listeners_;
};

}  // namespace colony::gcs
