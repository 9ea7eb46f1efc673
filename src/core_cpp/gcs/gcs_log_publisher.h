// Worker output for the drivers of each job: raylets publish batches of lines
// (PublishLogs), drivers long-poll their own job's batches (PollLogs). A job's batches are
// kept in a bounded buffer; its sequence numbers count lines, so a poller that fell behind
// the buffer is told how many lines it missed.
//
// Lives on the GCS event loop; it must outlive the loop's Run (held polls arm timers).
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <string>

#include "common/event_loop.h"
#include "common/id.h"
#include "gcs.pb.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

struct GcsLogPublisherOptions {
  int64_t poll_timeout_ms = 10000;
  size_t max_lines_per_job = 20000;
  size_t max_bytes_per_job = 8 << 20;
  // A finished job's buffer stays this long, so its driver's last poll still finds it.
  int64_t finished_job_ttl_ms = 60000;
  // A publish carrying more is refused: one raylet round never sends that much.
  size_t max_lines_per_publish = 1 << 20;
};

class GcsLogPublisher {
 public:
  GcsLogPublisher(EventLoop* loop, GcsLogPublisherOptions options = {})
      : loop_(loop), options_(options) {}

  void HandlePublishLogs(const rpc::PublishLogsRequest& request, rpc::PublishLogsReply* reply,
                         rpc::SendReply send_reply);
  // Answers at once if the job has lines after request.after_sequence, else holds the call
  // until it has or the poll timeout passes.
  void HandlePollLogs(const rpc::PollLogsRequest& request, rpc::PollLogsReply* reply,
                      rpc::SendReply send_reply);
  void OnJobFinished(const JobID& job_id);
  // Answers every held poll, and later polls at once (the gRPC server can then drain).
  void Shutdown();

  size_t num_jobs() const { return jobs_.size(); }
  size_t num_held_polls() const;

 private:
  struct Entry {
    int64_t sequence;  // lines published for the job up to and including this batch
    rpc::LogBatch batch;
    size_t bytes;
  };
  struct HeldPoll {
    int64_t after_sequence;
    rpc::PollLogsReply* reply;
    rpc::SendReply send_reply;
  };
  struct JobLog {
    std::deque<Entry> entries;
    int64_t sequence = 0;
    size_t bytes = 0;
    size_t lines = 0;
    std::map<uint64_t, HeldPoll> held;
    bool finished = false;
  };

  void Append(JobLog& log, rpc::LogBatch batch);
  static void Answer(const JobLog& log, int64_t after_sequence, rpc::PollLogsReply* reply,
                     const rpc::SendReply& send_reply);
  void AnswerHeld(JobLog& log);
  void OnPollTimeout(const std::string& job, uint64_t poll_id);

  EventLoop* loop_;
  GcsLogPublisherOptions options_;
  std::map<std::string, JobLog> jobs_;  // by job id binary
  std::set<std::string> expired_;       // finished jobs whose buffer is gone
  uint64_t next_poll_id_ = 0;
  bool shut_down_ = false;
};

}  // namespace colony::gcs
