// The raylet's log monitor: tails the stdout and stderr files of the worker processes this
// raylet started and publishes what they print, in batches, for the drivers of each
// worker's job (GCS PublishLogs; drivers long-poll PollLogs). Runs on its own thread, so
// neither the raylet's loop nor any task waits for it: workers only write their files.
//
// Workers name what runs in them with marker lines, which are not forwarded:
//   :colony-task:<task id hex>:<name>     a task starts printing
//   :colony-actor:<actor id hex>:<class>  an actor lives in this process
// A line longer than max_line_bytes is cut into pieces; a last line without its newline is
// sent once the process has exited.
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "common/id.h"
#include "common/status.h"
#include "gcs.grpc.pb.h"
#include "raylet.pb.h"

namespace colony::raylet {

// Where batches go: the GCS, or a fake in tests.
class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual Status Publish(const rpc::PublishLogsRequest& request) = 0;
};

class GcsLogSink : public LogSink {
 public:
  GcsLogSink(const std::string& gcs_address, std::string token);
  Status Publish(const rpc::PublishLogsRequest& request) override;

 private:
  std::string token_;
  std::unique_ptr<rpc::GcsService::Stub> stub_;
};

struct LogMonitorOptions {
  std::string logs_dir;
  NodeID node_id;
  int64_t period_ms = 100;
  size_t max_read_bytes = 256 << 10;  // per file and round; the rest waits for the next
  size_t max_line_bytes = 64 << 10;
};

// Splits a stream of bytes into lines and tracks the marker lines; one per tailed file.
class LogLineSplitter {
 public:
  explicit LogLineSplitter(size_t max_line_bytes) : max_line_bytes_(max_line_bytes) {}
  // Calls `emit(name, line)` for each complete line of `data`, with the name the last
  // marker before it set; marker lines themselves are applied, not emitted.
  void Feed(const char* data, size_t size,
            const std::function<void(const std::string& name, std::string line)>& emit);
  // The unfinished last line, if any (the process has exited).
  void Finish(const std::function<void(const std::string& name, std::string line)>& emit);
  const std::string& name() const { return name_; }

  static constexpr const char* kTaskMarker = ":colony-task:";
  static constexpr const char* kActorMarker = ":colony-actor:";
  // Whether `line` is a marker; if so, `name` is what it names.
  static bool ParseMarker(const std::string& line, std::string* name);

 private:
  void Line(std::string line,
            const std::function<void(const std::string& name, std::string line)>& emit);

  size_t max_line_bytes_;
  std::string partial_;
  std::string name_;
};

class LogMonitor {
 public:
  // `is_alive(pid)`: whether the process may still write (default: kill(pid, 0)).
  LogMonitor(LogMonitorOptions options, LogSink* sink,
             std::function<bool(pid_t)> is_alive = nullptr);
  ~LogMonitor();

  // Thread-safe: a process this raylet just started.
  void AddProcess(const rpc::WorkerLogInfo& info);
  void Start();
  void Stop();
  // One round: reads what every process wrote since the last round and publishes it.
  // Called by the thread; tests call it directly.
  void PollOnce();
  size_t num_processes();

 private:
  struct TailedFile {
    std::string path;
    int fd = -1;
    uint64_t offset = 0;
    bool is_err = false;
    std::unique_ptr<LogLineSplitter> splitter;
  };
  struct Process {
    rpc::WorkerLogInfo info;
    TailedFile out, err;
  };

  void ReadNew(const Process& process, TailedFile& file, bool exited,
               rpc::PublishLogsRequest* request);
  // Sends the batches (dropped if the GCS cannot be reached: output is best effort) and
  // clears the request.
  void Publish(rpc::PublishLogsRequest* request);
  void Run();

  LogMonitorOptions options_;
  LogSink* sink_;
  std::function<bool(pid_t)> is_alive_;

  std::mutex mu_;  // guards added_ and stop_
  std::condition_variable cv_;
  std::vector<rpc::WorkerLogInfo> added_;
  bool stop_ = false;
  std::thread thread_;

  // Touched by the polling thread only (or the test calling PollOnce).
  std::map<pid_t, Process> processes_;
  std::string read_buffer_;
  int64_t last_error_log_ms_ = 0;
};

}  // namespace colony::raylet
