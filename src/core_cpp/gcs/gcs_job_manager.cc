#include "gcs/gcs_job_manager.h"

#include <algorithm>
#include <chrono>
#include <string>

#include "common/logging.h"

namespace colony::gcs {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status GcsJobManager::Initialize(const GcsInitData& data) {
  if (data.job_counter > UINT32_MAX) return Status::Internal("corrupt job counter in store");
  job_counter_ = static_cast<uint32_t>(data.job_counter);
  for (const auto& [key, job] : data.jobs) {
    if (!JobID::IsValidBinary(job.job_id())) return Status::Internal("corrupt job record in store");
    uint32_t id = JobID::FromBinary(job.job_id()).ToInt();
    job_counter_ = std::max(job_counter_, id);  // never reuse a stored job's ID
    jobs_[id] = job;
  }
  COLONY_LOG(DEBUG) << "loaded " << jobs_.size() << " jobs, job counter " << job_counter_;
  return Status::OK();
}

StatusOr<JobID> GcsJobManager::AddJob(rpc::JobInfo job, StoreCallback<JobID> persisted) {
  // The store applies writes in order, so the counter is stored before the job.
  uint32_t next = job_counter_ + 1;
  job_counter_ = next;
  storage_->counters().Put(kJobCounterName, next, [](Status status) {
    if (!status.ok()) COLONY_LOG(ERROR) << "cannot store the job counter: " << status.ToString();
  });
  JobID job_id = JobID::FromInt(next);
  if (admission_) COLONY_RETURN_IF_ERROR(admission_(job_id, job));
  job.set_job_id(job_id.Binary());
  job.set_is_dead(false);
  job.set_start_time_ms(NowMs());
  job.set_end_time_ms(0);
  SaveJob(job, [job_id, persisted = std::move(persisted)](Status status) {
    if (!persisted) return;
    if (status.ok()) {
      persisted(job_id);
    } else {
      persisted(status);
    }
  });
  jobs_[next] = std::move(job);
  for (const auto& listener : added_listeners_) listener(jobs_[next]);
  COLONY_LOG(INFO) << "job " << next << " added";
  return job_id;
}

Status GcsJobManager::MarkJobFinished(const JobID& job_id, StatusCallback persisted) {
  auto it = jobs_.find(job_id.ToInt());
  if (it == jobs_.end()) return Status::NotFound("unknown job " + job_id.Hex());
  if (it->second.is_dead()) {  // idempotent: drivers may retry
    if (persisted) persisted(Status::OK());
    return Status::OK();
  }
  rpc::JobInfo job = it->second;
  job.set_is_dead(true);
  job.set_end_time_ms(NowMs());
  SaveJob(job, std::move(persisted));
  it->second = std::move(job);
  COLONY_LOG(INFO) << "job " << job_id.ToInt() << " finished";
  for (const auto& listener : finished_listeners_) listener(job_id);
  return Status::OK();
}

std::vector<rpc::JobInfo> GcsJobManager::GetAllJobs() const {
  std::vector<rpc::JobInfo> jobs;
  jobs.reserve(jobs_.size());
  for (const auto& [id, job] : jobs_) jobs.push_back(job);
  return jobs;
}

void GcsJobManager::SaveJob(const rpc::JobInfo& job, StatusCallback persisted) {
  uint32_t id = JobID::FromBinary(job.job_id()).ToInt();
  storage_->jobs().Put(job.job_id(), job, [id, persisted = std::move(persisted)](Status status) {
    if (!status.ok()) COLONY_LOG(ERROR) << "cannot store job " << id << ": " << status.ToString();
    if (persisted) persisted(status);
  });
}

void GcsJobManager::HandleAddJob(const rpc::AddJobRequest& request, rpc::AddJobReply* reply,
                                 rpc::SendReply send_reply) {
  auto job_id = AddJob(request.job(), [reply, send_reply](StatusOr<JobID> stored) {
    if (stored.ok()) reply->set_job_id(stored->Binary());
    send_reply(stored.status());
  });
  if (!job_id.ok()) send_reply(job_id.status());
}

void GcsJobManager::HandleMarkJobFinished(const rpc::MarkJobFinishedRequest& request,
                                          rpc::MarkJobFinishedReply* /*reply*/,
                                          rpc::SendReply send_reply) {
  if (!JobID::IsValidBinary(request.job_id())) {
    send_reply(Status::InvalidArgument("job_id must be " + std::to_string(JobID::kSize) +
                                       " bytes"));
    return;
  }
  Status status = MarkJobFinished(JobID::FromBinary(request.job_id()), send_reply);
  if (!status.ok()) send_reply(status);
}

void GcsJobManager::HandleGetAllJobInfo(const rpc::GetAllJobInfoRequest& /*request*/,
                                        rpc::GetAllJobInfoReply* reply,
                                        rpc::SendReply send_reply) {
  for (auto& job : GetAllJobs()) *reply->add_jobs() = std::move(job);
  send_reply(Status::OK());
}

}  // namespace colony::gcs
