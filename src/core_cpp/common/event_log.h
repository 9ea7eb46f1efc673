// Structured events as JSON lines (docs/observability.md, "Events and state"): every
// process that records events also appends them to its own file under
// <session>/logs/events/, so what happened survives a lost GCS connection. IDs are hex.
#pragma once

#include <cstdint>
#include <cstdio>
#include <mutex>
#include <string>

#include "gcs.pb.h"

namespace colony {

// Wall clock, microseconds since the epoch (what events carry).
int64_t NowMicros();

std::string EventToJson(const rpc::Event& event);
std::string TaskEventToJson(const rpc::TaskEvent& event);

// Appends lines to one file; thread-safe. A writer that cannot open its file logs once and
// writes nothing (events still go to the GCS).
class EventLogWriter {
 public:
  // `dir` is created if missing; the file is <dir>/events_<source>_<pid>.jsonl.
  EventLogWriter(const std::string& dir, const std::string& source);
  ~EventLogWriter();
  EventLogWriter(const EventLogWriter&) = delete;
  EventLogWriter& operator=(const EventLogWriter&) = delete;

  bool ok() const { return file_ != nullptr; }
  const std::string& path() const { return path_; }
  // Each line gets its newline; flushed before returning.
  void WriteLines(const std::string* lines, size_t count);

 private:
  std::mutex mu_;
  std::string path_;
  FILE* file_ = nullptr;
};

}  // namespace colony
