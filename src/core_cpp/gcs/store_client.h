// The GCS's storage seam: every table the GCS keeps (nodes, jobs, KV, counters) goes
// through this interface as table + key -> bytes, so a persistent backend (Redis) can
// replace the in-memory one and a restarted GCS can reload its state.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace colony::gcs {

class StoreClient {
 public:
  virtual ~StoreClient() = default;

  // Stores `value` under (table, key). With overwrite=false an existing value is kept.
  // Returns true if the key was newly added.
  virtual StatusOr<bool> Put(const std::string& table, const std::string& key,
                             const std::string& value, bool overwrite) = 0;
  // Returns std::nullopt when the key is absent; an error only when the backend fails.
  virtual StatusOr<std::optional<std::string>> Get(const std::string& table,
                                                   const std::string& key) = 0;
  // Returns true if the key existed.
  virtual StatusOr<bool> Delete(const std::string& table, const std::string& key) = 0;
  // Returns the number of keys deleted.
  virtual StatusOr<int64_t> DeleteByPrefix(const std::string& table,
                                           const std::string& prefix) = 0;
  virtual StatusOr<std::map<std::string, std::string>> GetAll(const std::string& table) = 0;
  // Keys of `table` starting with `prefix`, in byte order.
  virtual StatusOr<std::vector<std::string>> Keys(const std::string& table,
                                                  const std::string& prefix) = 0;
};

// Names of the tables the GCS keeps, in one place so every backend and tool agrees.
namespace tables {
inline constexpr const char* kNodes = "NODE";          // NodeID binary -> NodeInfo
inline constexpr const char* kJobs = "JOB";            // JobID binary -> JobInfo
inline constexpr const char* kActors = "ACTOR";        // ActorID binary -> ActorTableData
inline constexpr const char* kCounters = "COUNTER";    // name -> decimal text
inline constexpr const char* kKvPrefix = "KV@";        // "KV@" + namespace: key -> value
}  // namespace tables

}  // namespace colony::gcs
