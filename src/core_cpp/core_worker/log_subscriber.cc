#include "core_worker/log_subscriber.h"

#include <algorithm>
#include <chrono>
#include <utility>

#include "rpc/grpc_util.h"

namespace colony {
namespace {

// Longer than the GCS's own poll timeout, which answers first in the normal case.
constexpr int64_t kPollDeadlineMs = 30000;

}  // namespace

GrpcLogSource::GrpcLogSource(const std::string& gcs_address, std::string token)
    : token_(std::move(token)), stub_(rpc::GcsService::NewStub(rpc::MakeChannel(gcs_address))) {}

Status GrpcLogSource::Poll(const JobID& job_id, int64_t after_sequence,
                           rpc::PollLogsReply* reply) {
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, token_, kPollDeadlineMs);
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (cancelled_) return Status::Cancelled("log subscription stopped");
    in_flight_ = &ctx;
  }
  rpc::PollLogsRequest request;
  request.set_job_id(job_id.Binary());
  request.set_after_sequence(after_sequence);
  Status status = rpc::FromGrpcStatus(stub_->PollLogs(&ctx, request, reply));
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_ = nullptr;
  return status;
}

void GrpcLogSource::Cancel() {
  std::lock_guard<std::mutex> lock(mu_);
  cancelled_ = true;
  if (in_flight_ != nullptr) in_flight_->TryCancel();
}

LogSubscriber::LogSubscriber(std::unique_ptr<LogSource> source, JobID job_id,
                             LogSubscriberOptions options)
    : source_(std::move(source)),
      job_id_(job_id),
      options_(options),
      dedup_(options.dedup_window_ms) {}

LogSubscriber::~LogSubscriber() { Stop(); }

int64_t LogSubscriber::NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void LogSubscriber::Start() { thread_ = std::thread([this] { Run(); }); }

void LogSubscriber::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_ && !thread_.joinable()) return;
    stopped_ = true;
  }
  source_->Cancel();
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogSubscriber::Run() {
  int64_t after = 0;
  while (true) {
    rpc::PollLogsReply reply;
    Status status = source_->Poll(job_id_, after, &reply);
    std::unique_lock<std::mutex> lock(mu_);
    if (stopped_) return;
    if (!status.ok()) {
      cv_.wait_for(lock, std::chrono::milliseconds(options_.retry_delay_ms),
                   [this] { return stopped_; });
      if (stopped_) return;
      continue;
    }
    // A reply's sequence below ours comes from a restarted GCS: its numbering starts over.
    after = reply.sequence();
    if (reply.dropped() > 0) {
      ready_.push_back(LogLine{true, "(colony) " + std::to_string(reply.dropped()) +
                                         " lines of worker output were dropped (the GCS keeps "
                                         "a bounded buffer per job)"});
    }
    int64_t now = NowMs();
    for (const auto& batch : reply.batches()) dedup_.Add(batch, now, &ready_);
    if (!ready_.empty()) cv_.notify_all();
  }
}

bool LogSubscriber::Next(int64_t timeout_ms, std::vector<LogLine>* out) {
  std::unique_lock<std::mutex> lock(mu_);
  int64_t deadline = NowMs() + std::max<int64_t>(0, timeout_ms);
  while (true) {
    int64_t now = NowMs();
    dedup_.Flush(now, &ready_);
    if (stopped_) dedup_.FlushAll(&ready_);
    if (!ready_.empty()) {
      out->insert(out->end(), std::make_move_iterator(ready_.begin()),
                  std::make_move_iterator(ready_.end()));
      ready_.clear();
      return true;
    }
    if (stopped_) return false;
    if (now >= deadline) return true;
    int64_t wake = std::min(deadline, dedup_.NextDeadlineMs());
    cv_.wait_for(lock, std::chrono::milliseconds(std::max<int64_t>(1, wake - now)));
  }
}

}  // namespace colony

namespace colony {

LogSubscriber* StartGcsLogSubscriber(const std::string& gcs_address, const std::string& token,
                                     const std::string& job_id_hex, int64_t dedup_window_ms) {
  LogSubscriberOptions options;
  options.dedup_window_ms = dedup_window_ms;
  auto* subscriber =
      new LogSubscriber(std::make_unique<GrpcLogSource>(gcs_address, token),
                        JobID::FromBinary(HexToBytes(job_id_hex)), options);
  subscriber->Start();
  return subscriber;
}

}  // namespace colony
