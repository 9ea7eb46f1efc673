// logs/workers.index: one line per worker process this raylet started (pid, job, language,
// logical worker ids, its log files), so `colony logs --job/--worker/--actor` can find a
// process's files after it has exited, or after the raylet itself is gone.
//
// Format, tab-separated: pid, job id hex, language (PYTHON/JAVA), started ms, out file,
// err file, comma-separated worker id hexes. Thread-safe (appends are one write each).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"
#include "raylet.pb.h"

namespace colony::raylet {

class WorkerLogIndex {
 public:
  explicit WorkerLogIndex(std::string path) : path_(std::move(path)) {}

  Status Append(const rpc::WorkerLogInfo& info) const;
  // Every well-formed line; malformed ones (a torn write) are skipped.
  std::vector<rpc::WorkerLogInfo> ReadAll() const;

  static std::string Format(const rpc::WorkerLogInfo& info);
  static bool Parse(const std::string& line, rpc::WorkerLogInfo* info);

 private:
  std::string path_;
};

}  // namespace colony::raylet
