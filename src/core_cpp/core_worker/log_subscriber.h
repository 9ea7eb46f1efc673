// A driver's view of its job's worker output: a thread long-polls the GCS for the job's
// log batches (GcsService.PollLogs) and the language runtime takes formatted, folded lines
// from Next() on a thread of its own, printing them to the driver's stdout and stderr.
// Nothing here is on the task path.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/id.h"
#include "common/status.h"
#include "core_worker/log_deduplicator.h"
#include "gcs.grpc.pb.h"

namespace colony {

// Seam: where batches come from (the GCS's long poll; a fake in tests).
class LogSource {
 public:
  virtual ~LogSource() = default;
  // Blocks until the job has lines after `after_sequence`, the GCS's poll timeout, an
  // error, or Cancel().
  virtual Status Poll(const JobID& job_id, int64_t after_sequence, rpc::PollLogsReply* reply) = 0;
  // Ends a Poll in progress, and makes later ones fail at once.
  virtual void Cancel() = 0;
};

class GrpcLogSource : public LogSource {
 public:
  GrpcLogSource(const std::string& gcs_address, std::string token);
  Status Poll(const JobID& job_id, int64_t after_sequence, rpc::PollLogsReply* reply) override;
  void Cancel() override;

 private:
  std::string token_;
  std::unique_ptr<rpc::GcsService::Stub> stub_;
  std::mutex mu_;
  grpc::ClientContext* in_flight_ = nullptr;
  bool cancelled_ = false;
};

struct LogSubscriberOptions {
  int64_t dedup_window_ms = 5000;  // 0: print every line
  int64_t retry_delay_ms = 1000;   // after a failed poll
};

class LogSubscriber {
 public:
  LogSubscriber(std::unique_ptr<LogSource> source, JobID job_id, LogSubscriberOptions options);
  ~LogSubscriber();

  void Start();
  // Ends the polling; lines already received (and folded ones) are still returned by Next.
  void Stop();
  // Waits up to `timeout_ms` for output and appends it to `out`. Returns false once
  // stopped and everything has been handed out.
  bool Next(int64_t timeout_ms, std::vector<LogLine>* out);

 private:
  void Run();
  static int64_t NowMs();

  std::unique_ptr<LogSource> source_;
  JobID job_id_;
  LogSubscriberOptions options_;
  std::thread thread_;

  std::mutex mu_;  // guards the members below
  std::condition_variable cv_;
  LogDeduplicator dedup_;
  std::vector<LogLine> ready_;
  bool stopped_ = false;
};

}  // namespace colony

namespace colony {

// For the language bindings: a started subscriber of the job (hex id) over the GCS's
// long poll. The caller owns it (Stop, then delete).
LogSubscriber* StartGcsLogSubscriber(const std::string& gcs_address, const std::string& token,
                                     const std::string& job_id_hex, int64_t dedup_window_ms);

}  // namespace colony
