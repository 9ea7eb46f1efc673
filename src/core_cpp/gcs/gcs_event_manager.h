// Bounded buffers of structured events (docs/observability.md, "Events and state"):
// lifecycle events of jobs, nodes, actors, workers and placement groups (recorded by the
// GCS's managers through Record, or sent by any process), and task attempts merged from
// the task events core workers send in batches. Both are bounded: past max_events the
// oldest event goes; past max_task_attempts_per_job a job's oldest attempt goes. What was
// let go is counted and reported with every answer.
//
// Lives on the GCS event loop; no locks.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>

#include "common/event_log.h"
#include "gcs.pb.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

struct GcsEventManagerOptions {
  size_t max_events = 20000;
  size_t max_task_attempts_per_job = 10000;
  // When set, the GCS's own events are also appended to <dir>/events_GCS_<pid>.jsonl.
  std::string log_dir;
};

class GcsEventManager {
 public:
  explicit GcsEventManager(GcsEventManagerOptions options = {});

  // An event the GCS itself saw; the time is set if missing.
  void Record(rpc::Event event);
  void AddTaskEvent(const rpc::TaskEvent& event);

  void HandleAddEvents(const rpc::AddEventsRequest& request, rpc::AddEventsReply* reply,
                       rpc::SendReply send_reply);
  void HandleGetEvents(const rpc::GetEventsRequest& request, rpc::GetEventsReply* reply,
                       rpc::SendReply send_reply);
  void HandleGetTaskAttempts(const rpc::GetTaskAttemptsRequest& request,
                             rpc::GetTaskAttemptsReply* reply, rpc::SendReply send_reply);

  size_t num_events() const { return events_.size(); }
  int64_t dropped_events() const { return dropped_events_; }
  size_t num_task_attempts(const std::string& job_id) const;
  // Null when the attempt is not (or no longer) kept.
  const rpc::TaskAttempt* FindAttempt(const std::string& task_id, int attempt) const;

  // Orders task states so that events arriving out of order (the executor's RUNNING after
  // the owner's FINISHED) never move an attempt backwards.
  static int StateRank(const std::string& state);

 private:
  struct JobTasks {
    std::unordered_map<std::string, rpc::TaskAttempt> attempts;  // by AttemptKey
    std::deque<std::string> order;                               // oldest first
    int64_t dropped = 0;
  };
  static std::string AttemptKey(const std::string& task_id, int attempt);
  void AddEvent(rpc::Event event);

  GcsEventManagerOptions options_;
  std::unique_ptr<EventLogWriter> log_;
  std::deque<rpc::Event> events_;
  int64_t dropped_events_ = 0;
  std::unordered_map<std::string, JobTasks> tasks_;  // by binary job id
  int64_t dropped_task_events_ = 0;                  // lost in senders' buffers
};

}  // namespace colony::gcs
