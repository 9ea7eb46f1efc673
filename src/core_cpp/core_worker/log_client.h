// Reads any node's log files through its raylet's LogService (`colony logs`). Synchronous,
// one call per request: a tool's path, never a task's.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"

namespace colony {

struct NodeLogFile {
  std::string name;
  uint64_t size = 0;
  int64_t modified_ms = 0;
};

// A worker process the raylet started (logs/workers.index).
struct NodeWorkerLog {
  int pid = 0;
  std::vector<std::string> worker_ids_hex;
  std::string job_id_hex;
  std::string language;  // "PYTHON" or "JAVA"
  std::string out_file;
  std::string err_file;
  int64_t started_ms = 0;
};

struct NodeLogListing {
  std::string node_id_hex;
  std::vector<NodeLogFile> files;
  std::vector<NodeWorkerLog> workers;
};

struct NodeLogChunk {
  std::string data;
  uint64_t offset = 0;  // where data starts in the file
  uint64_t size = 0;    // the file's size when read
};

Status ListNodeLogs(const std::string& raylet_address, const std::string& token,
                    NodeLogListing* out);
// A negative offset counts from the end of the file; at most 1 MiB is read per call.
Status ReadNodeLog(const std::string& raylet_address, const std::string& token,
                   const std::string& name, int64_t offset, uint64_t max_bytes,
                   NodeLogChunk* out);

}  // namespace colony
