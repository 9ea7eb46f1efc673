#include "gcs/gcs_log_publisher.h"

#include <utility>

namespace colony::gcs {
namespace {

size_t BytesOf(const rpc::LogBatch& batch) {
  size_t bytes = batch.task_name().size() + 64;
  for (const auto& line : batch.lines()) bytes += line.size() + 8;
  return bytes;
}

}  // namespace

void GcsLogPublisher::HandlePublishLogs(const rpc::PublishLogsRequest& request,
                                        rpc::PublishLogsReply* /*reply*/,
                                        rpc::SendReply send_reply) {
  size_t lines = 0;
  for (const auto& batch : request.batches()) {
    if (!JobID::IsValidBinary(batch.job_id())) {
      send_reply(Status::InvalidArgument("batches[].job_id must be " +
                                         std::to_string(JobID::kSize) + " bytes"));
      return;
    }
    lines += batch.lines_size();
  }
  if (lines > options_.max_lines_per_publish) {
    send_reply(Status::InvalidArgument("a publish carries at most " +
                                       std::to_string(options_.max_lines_per_publish) +
                                       " lines, got " + std::to_string(lines)));
    return;
  }
  std::map<std::string, JobLog*> touched;
  for (const auto& batch : request.batches()) {
    if (batch.lines_size() == 0 || expired_.count(batch.job_id())) continue;
    JobLog& log = jobs_[batch.job_id()];
    Append(log, batch);
    touched[batch.job_id()] = &log;
  }
  for (auto& [job, log] : touched) AnswerHeld(*log);
  send_reply(Status::OK());
}

void GcsLogPublisher::Append(JobLog& log, rpc::LogBatch batch) {
  size_t bytes = BytesOf(batch);
  log.sequence += batch.lines_size();
  log.bytes += bytes;
  log.lines += batch.lines_size();
  log.entries.push_back(Entry{log.sequence, std::move(batch), bytes});
  // The oldest batches go first; the newest one always stays, whatever its size.
  while (log.entries.size() > 1 &&
         (log.lines > options_.max_lines_per_job || log.bytes > options_.max_bytes_per_job)) {
    log.bytes -= log.entries.front().bytes;
    log.lines -= log.entries.front().batch.lines_size();
    log.entries.pop_front();
  }
}

void GcsLogPublisher::HandlePollLogs(const rpc::PollLogsRequest& request,
                                     rpc::PollLogsReply* reply, rpc::SendReply send_reply) {
  if (!JobID::IsValidBinary(request.job_id())) {
    send_reply(Status::InvalidArgument("job_id must be " + std::to_string(JobID::kSize) +
                                       " bytes"));
    return;
  }
  JobLog& log = jobs_[request.job_id()];
  int64_t after = request.after_sequence();
  // A sequence from the future was issued by an earlier GCS incarnation: start over.
  if (after > log.sequence || after < 0) after = 0;
  if (after < log.sequence || shut_down_) {
    Answer(log, after, reply, send_reply);
    return;
  }
  uint64_t poll_id = next_poll_id_++;
  log.held.emplace(poll_id, HeldPoll{after, reply, std::move(send_reply)});
  loop_->PostDelayed([this, job = request.job_id(), poll_id]() { OnPollTimeout(job, poll_id); },
                     options_.poll_timeout_ms);
}

void GcsLogPublisher::Answer(const JobLog& log, int64_t after_sequence,
                             rpc::PollLogsReply* reply, const rpc::SendReply& send_reply) {
  for (const Entry& entry : log.entries) {
    int64_t start = entry.sequence - entry.batch.lines_size();
    if (entry.sequence <= after_sequence) continue;
    if (reply->batches_size() == 0 && start > after_sequence) {
      reply->set_dropped(start - after_sequence);
    }
    *reply->add_batches() = entry.batch;
  }
  reply->set_sequence(log.sequence);
  send_reply(Status::OK());
}

void GcsLogPublisher::AnswerHeld(JobLog& log) {
  auto held = std::move(log.held);
  log.held.clear();
  for (auto& [id, poll] : held) Answer(log, poll.after_sequence, poll.reply, poll.send_reply);
}

void GcsLogPublisher::OnPollTimeout(const std::string& job, uint64_t poll_id) {
  auto log = jobs_.find(job);
  if (log == jobs_.end()) return;
  auto it = log->second.held.find(poll_id);
  if (it == log->second.held.end()) return;  // already answered
  HeldPoll poll = std::move(it->second);
  log->second.held.erase(it);
  Answer(log->second, poll.after_sequence, poll.reply, poll.send_reply);
  // Polls for a job nothing was ever published for leave no buffer behind.
  if (log->second.entries.empty() && log->second.held.empty()) jobs_.erase(log);
}

void GcsLogPublisher::OnJobFinished(const JobID& job_id) {
  JobLog& log = jobs_[job_id.Binary()];
  if (log.finished) return;
  log.finished = true;
  loop_->PostDelayed(
      [this, job = job_id.Binary()]() {
        auto log = jobs_.find(job);
        if (log == jobs_.end()) return;
        AnswerHeld(log->second);
        jobs_.erase(log);
        // What a finished job's detached actors print later has no driver to go to.
        expired_.insert(job);
      },
      options_.finished_job_ttl_ms);
}

void GcsLogPublisher::Shutdown() {
  shut_down_ = true;
  for (auto& [job, log] : jobs_) AnswerHeld(log);
}

size_t GcsLogPublisher::num_held_polls() const {
  size_t n = 0;
  for (const auto& [job, log] : jobs_) n += log.held.size();
  return n;
}

}  // namespace colony::gcs
