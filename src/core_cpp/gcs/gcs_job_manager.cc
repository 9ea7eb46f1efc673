#include "gcs/gcs_job_manager.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <string>

#include "common/logging.h"

namespace colony::gcs {
namespace {

constexpr const char* kJobCounterKey = "job";

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Status GcsJobManager::Initialize() {
  auto counter = store_->Get(tables::kCounters, kJobCounterKey);
  if (!counter.ok()) return counter.status();
  if (counter->has_value()) {
    const std::string& text = **counter;
    auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), job_counter_);
    if (ec != std::errc() || end != text.data() + text.size()) {
      return Status::Internal("corrupt job counter in store: '" + text + "'");
    }
  }
  auto all = store_->GetAll(tables::kJobs);
  if (!all.ok()) return all.status();
  for (const auto& [key, value] : *all) {
    rpc::JobInfo job;
    if (!job.ParseFromString(value) || !JobID::IsValidBinary(job.job_id())) {
      return Status::Internal("corrupt job record in store");
    }
    uint32_t id = JobID::FromBinary(job.job_id()).ToInt();
    job_counter_ = std::max(job_counter_, id);  // never reuse a stored job's ID
    jobs_[id] = std::move(job);
  }
  COLONY_LOG(DEBUG) << "loaded " << jobs_.size() << " jobs, job counter " << job_counter_;
  return Status::OK();
}

StatusOr<JobID> GcsJobManager::AddJob(rpc::JobInfo job) {
  // Persist the counter first: an ID handed out must never be handed out again.
  uint32_t next = job_counter_ + 1;
  auto put = store_->Put(tables::kCounters, kJobCounterKey, std::to_string(next), true);
  if (!put.ok()) return put.status();
  job_counter_ = next;
  JobID job_id = JobID::FromInt(next);
  job.set_job_id(job_id.Binary());
  job.set_is_dead(false);
  job.set_start_time_ms(NowMs());
  job.set_end_time_ms(0);
  COLONY_RETURN_IF_ERROR(SaveJob(job));
  jobs_[next] = std::move(job);
  COLONY_LOG(INFO) << "job " << next << " added";
  return job_id;
}

Status GcsJobManager::MarkJobFinished(const JobID& job_id) {
  auto it = jobs_.find(job_id.ToInt());
  if (it == jobs_.end()) return Status::NotFound("unknown job " + job_id.Hex());
  if (it->second.is_dead()) return Status::OK();  // idempotent: drivers may retry
  rpc::JobInfo job = it->second;
  job.set_is_dead(true);
  job.set_end_time_ms(NowMs());
  COLONY_RETURN_IF_ERROR(SaveJob(job));
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

Status GcsJobManager::SaveJob(const rpc::JobInfo& job) {
  return store_->Put(tables::kJobs, job.job_id(), job.SerializeAsString(), true).status();
}

void GcsJobManager::HandleAddJob(const rpc::AddJobRequest& request, rpc::AddJobReply* reply,
                                 rpc::SendReply send_reply) {
  auto job_id = AddJob(request.job());
  if (job_id.ok()) reply->set_job_id(job_id->Binary());
  send_reply(job_id.status());
}

void GcsJobManager::HandleMarkJobFinished(const rpc::MarkJobFinishedRequest& request,
                                          rpc::MarkJobFinishedReply* /*reply*/,
                                          rpc::SendReply send_reply) {
  if (!JobID::IsValidBinary(request.job_id())) {
    send_reply(Status::InvalidArgument("job_id must be " + std::to_string(JobID::kSize) +
                                       " bytes"));
    return;
  }
  send_reply(MarkJobFinished(JobID::FromBinary(request.job_id())));
}

void GcsJobManager::HandleGetAllJobInfo(const rpc::GetAllJobInfoRequest& /*request*/,
                                        rpc::GetAllJobInfoReply* reply,
                                        rpc::SendReply send_reply) {
  for (auto& job : GetAllJobs()) *reply->add_jobs() = std::move(job);
  send_reply(Status::OK());
}

}  // namespace colony::gcs
