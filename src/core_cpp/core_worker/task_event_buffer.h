// Task events of one process (docs/observability.md, "Events and state"), like Ray's
// TaskEventBuffer: recording is an append under a mutex, so the task path pays for one
// small protobuf and no I/O; a thread of its own sends the batch to the GCS every
// flush_interval_ms (and appends it to this process's JSON-lines file). When the GCS does
// not answer, the batch is kept (up to max_buffered events; past that the oldest go and
// are counted as dropped) and sent with the next one. Switched off with
// COLONY_TASK_EVENTS=0: Record then returns at once.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common.pb.h"
#include "common/event_log.h"
#include "common/status.h"
#include "gcs.pb.h"

namespace colony {

struct TaskEventBufferOptions {
  bool enabled = true;
  int64_t flush_interval_ms = 1000;
  size_t max_buffered = 100000;
  // Events go to <log_dir>/events_CORE_WORKER_<pid>.jsonl when set (SetLogDir).
  std::string log_dir;
  // From the environment: COLONY_TASK_EVENTS (0/false: off),
  // COLONY_TASK_EVENTS_FLUSH_MS, COLONY_TASK_EVENTS_MAX_BUFFERED.
  static TaskEventBufferOptions FromEnv();
};

class TaskEventBuffer {
 public:
  // Sends one batch; an error keeps the batch for the next flush. Called on the flush
  // thread only (the seam unit tests fill with a fake).
  using Sender = std::function<Status(const rpc::AddEventsRequest&)>;
  TaskEventBuffer(TaskEventBufferOptions options, Sender send);
  ~TaskEventBuffer();

  bool enabled() const { return options_.enabled; }
  // Starts the flush thread (no-op when disabled). The log dir may be set before.
  void SetLogDir(const std::string& dir);
  void Start();
  // Flushes what is buffered once more and joins the thread.
  void Stop();

  // The owner's view of a task attempt. `spec` gives the ids, name and attempt.
  void RecordSubmitted(const rpc::TaskSpec& spec);
  void RecordState(const rpc::TaskSpec& spec, const char* state);
  void RecordLeased(const rpc::TaskSpec& spec, const rpc::Address& worker);
  void RecordFailed(const rpc::TaskSpec& spec, const rpc::Address* worker,
                    const std::string& error_type, const std::string& error_message);
  // The executor's view: RUNNING when it starts, EXECUTED (with the error type of an
  // exception) when the language runtime returns.
  void RecordExecution(const rpc::TaskSpec& spec, const char* state, const std::string& node_id,
                       const std::string& worker_id, int pid, const std::string& error_type);

  // Sends what is buffered now (the flush thread's round; tests call it directly).
  void Flush();
  size_t num_buffered() const;
  int64_t num_dropped() const;

 private:
  rpc::TaskEvent Base(const rpc::TaskSpec& spec, const char* state) const;
  void Add(rpc::TaskEvent event);
  void Run();

  TaskEventBufferOptions options_;
  Sender send_;
  mutable std::mutex mu_;
  std::deque<rpc::TaskEvent> buffer_;
  int64_t dropped_ = 0;           // not yet reported to the GCS
  int64_t total_dropped_ = 0;
  std::mutex flush_mu_;           // one flush at a time (thread, Stop, tests)
  std::vector<rpc::TaskEvent> unsent_;  // a failed batch, retried first
  std::unique_ptr<EventLogWriter> log_;
  std::condition_variable cv_;
  bool stopping_ = false;
  std::thread thread_;
};

}  // namespace colony
