// Jobs: one per driver. Assigns job IDs from a persisted counter (1, 2, ...) so IDs stay
// unique across GCS restarts with a persistent store. Changes apply in memory at once and
// are written through; the `persisted` callbacks (the replies) wait for the writes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <vector>

#include "common/id.h"
#include "gcs.pb.h"
#include "gcs/store/gcs_table_storage.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

class GcsJobManager {
 public:
  // Called once per job, when it is first marked finished.
  using JobFinishedListener = std::function<void(const JobID&)>;

  explicit GcsJobManager(GcsTableStorage* storage) : storage_(storage) {}

  void AddJobFinishedListener(JobFinishedListener listener) {
    finished_listeners_.push_back(std::move(listener));
  }
  // Called when AddJob assigns a job its ID (the record as stored).
  using JobAddedListener = std::function<void(const rpc::JobInfo&)>;
  void AddJobAddedListener(JobAddedListener listener) {
    added_listeners_.push_back(std::move(listener));
  }

  // Asked before a job is added, with its new ID: an error refuses the job (AddJob returns
  // it; the ID is not handed out again). The virtual cluster manager checks the job's cluster.
  using JobAdmission = std::function<Status(const JobID&, const rpc::JobInfo&)>;
  void SetJobAdmission(JobAdmission admission) { admission_ = std::move(admission); }

  // Takes the reloaded jobs and job counter; call once before serving.
  Status Initialize(const GcsInitData& data);

  // Assigns the next job ID, stamps the start time and stores `job` (after the counter,
  // so an ID handed out is never handed out again); `persisted` runs once both are stored.
  StatusOr<JobID> AddJob(rpc::JobInfo job, StoreCallback<JobID> persisted = nullptr);
  // An error returned means nothing changed; on OK `persisted` runs once stored.
  Status MarkJobFinished(const JobID& job_id, StatusCallback persisted = nullptr);
  // The job's record, or nullptr if unknown.
  const rpc::JobInfo* GetJob(const JobID& job_id) const {
    auto it = jobs_.find(job_id.ToInt());
    return it == jobs_.end() ? nullptr : &it->second;
  }
  // Jobs in ID order, finished ones included.
  std::vector<rpc::JobInfo> GetAllJobs() const;

  void HandleAddJob(const rpc::AddJobRequest& request, rpc::AddJobReply* reply,
                    rpc::SendReply send_reply);
  void HandleMarkJobFinished(const rpc::MarkJobFinishedRequest& request,
                             rpc::MarkJobFinishedReply* reply, rpc::SendReply send_reply);
  void HandleGetAllJobInfo(const rpc::GetAllJobInfoRequest& request,
                           rpc::GetAllJobInfoReply* reply, rpc::SendReply send_reply);

 private:
  void SaveJob(const rpc::JobInfo& job, StatusCallback persisted);

  GcsTableStorage* storage_;
  uint32_t job_counter_ = 0;
  // Cache of the JOB table, keyed by the job's integer ID.
  std::map<uint32_t, rpc::JobInfo> jobs_;
  std::vector<JobFinishedListener> finished_listeners_;
  JobAdmission admission_;
  std::vector<JobAddedListener> added_listeners_;
};

}  // namespace colony::gcs
