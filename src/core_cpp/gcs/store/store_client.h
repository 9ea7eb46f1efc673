// The GCS's storage seam: every table the GCS keeps (nodes, jobs, actors, KV, counters)
// goes through this interface as table + key -> bytes, so a persistent backend (Redis) can
// replace the in-memory one and a restarted GCS can reload its state.
//
// Asynchronous: each operation completes by calling `done` on the GCS event loop, so a
// round trip to a remote store never blocks the loop. Contract every backend keeps:
//   - operations issued from the loop take effect in the order they were issued (a Put
//     followed by a Get of the same key sees the Put);
//   - `done` runs on the loop; a backend that answers at once (in memory) may run it
//     before the call returns, so callers must not rely on it running later;
//   - `done` may be empty when the caller does not need the result.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

namespace colony::gcs {

template <typename T>
using StoreCallback = std::function<void(StatusOr<T>)>;
using StatusCallback = std::function<void(Status)>;

class StoreClient {
 public:
  virtual ~StoreClient() = default;

  // Readies the backend (a remote one connects); called once before any operation.
  virtual Status Connect() { return Status::OK(); }
  // Called while the loop still runs, before the GCS stops serving: operations already
  // issued complete if the backend can finish them now, the rest (and any issued later)
  // with Unavailable, so no reply waits for a store that is gone. May block briefly.
  virtual void Shutdown() {}

  // Stores `value` under (table, key). With overwrite=false an existing value is kept.
  // Yields true if the key was newly added.
  virtual void AsyncPut(const std::string& table, const std::string& key, std::string value,
                        bool overwrite, StoreCallback<bool> done) = 0;
  // Yields std::nullopt when the key is absent; an error only when the backend fails.
  virtual void AsyncGet(const std::string& table, const std::string& key,
                        StoreCallback<std::optional<std::string>> done) = 0;
  // Yields true if the key existed.
  virtual void AsyncDelete(const std::string& table, const std::string& key,
                           StoreCallback<bool> done) = 0;
  // Yields the number of keys deleted.
  virtual void AsyncDeleteByPrefix(const std::string& table, const std::string& prefix,
                                   StoreCallback<int64_t> done) = 0;
  virtual void AsyncGetAll(const std::string& table,
                           StoreCallback<std::map<std::string, std::string>> done) = 0;
  // Keys of `table` starting with `prefix`, in byte order.
  virtual void AsyncKeys(const std::string& table, const std::string& prefix,
                         StoreCallback<std::vector<std::string>> done) = 0;

  // For logs and errors: "memory" or "redis://host:port/db".
  virtual std::string Describe() const = 0;
};

// Names of the tables the GCS keeps, in one place so every backend and tool agrees.
namespace tables {
inline constexpr const char* kNodes = "NODE";          // NodeID binary -> NodeInfo
inline constexpr const char* kJobs = "JOB";            // JobID binary -> JobInfo
inline constexpr const char* kActors = "ACTOR";        // ActorID binary -> ActorTableData
inline constexpr const char* kVirtualClusters = "VIRTUAL_CLUSTER";  // id -> VirtualClusterTableData
inline constexpr const char* kPlacementGroups = "PLACEMENT_GROUP";  // id -> PlacementGroupTableData
inline constexpr const char* kCounters = "COUNTER";    // name -> decimal text
inline constexpr const char* kKvPrefix = "KV@";        // "KV@" + namespace: key -> value
}  // namespace tables

}  // namespace colony::gcs
