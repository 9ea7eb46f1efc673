// Typed tables over a StoreClient: each GCS table maps a binary ID to one protobuf record,
// so managers Put and load records, never bytes. Also loads everything a restarting GCS
// needs (GcsInitData) before it serves. Example:
//   GcsTableStorage storage(&store);
//   storage.jobs().Put(job.job_id(), job, [](Status s) { /* written through */ });
//   storage.Load([](StatusOr<GcsInitData> data) { ... });
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "gcs.pb.h"
#include "gcs/store/store_client.h"

namespace colony::gcs {

template <typename Data>
class GcsTable {
 public:
  GcsTable(StoreClient* store, std::string name) : store_(store), name_(std::move(name)) {}

  const std::string& name() const { return name_; }
  void Put(const std::string& key, const Data& value, StatusCallback done);
  // std::nullopt when absent; Internal when the stored bytes are not a Data.
  void Get(const std::string& key, StoreCallback<std::optional<Data>> done);
  void Delete(const std::string& key, StatusCallback done);
  // Every record by key; Internal naming the table when one does not parse.
  void GetAll(StoreCallback<std::map<std::string, Data>> done);

 private:
  StoreClient* store_;
  std::string name_;
};

// Named monotonic counters (the job counter), stored as decimal text.
class CounterTable {
 public:
  explicit CounterTable(StoreClient* store) : store_(store) {}
  void Put(const std::string& name, uint64_t value, StatusCallback done);
  // 0 when never stored.
  void Get(const std::string& name, StoreCallback<uint64_t> done);

 private:
  StoreClient* store_;
};

// Everything a GCS reloads from its store before serving.
struct GcsInitData {
  std::map<std::string, rpc::NodeInfo> nodes;        // by NodeID binary
  std::map<std::string, rpc::JobInfo> jobs;          // by JobID binary
  std::map<std::string, rpc::ActorTableData> actors; // by ActorID binary (names inside)
  std::map<std::string, rpc::VirtualClusterTableData> virtual_clusters;  // by cluster id
  std::map<std::string, rpc::PlacementGroupTableData> placement_groups;  // by group id
  uint64_t job_counter = 0;
};

class GcsTableStorage {
 public:
  explicit GcsTableStorage(StoreClient* store);

  StoreClient* store() { return store_; }
  GcsTable<rpc::NodeInfo>& nodes() { return nodes_; }
  GcsTable<rpc::JobInfo>& jobs() { return jobs_; }
  GcsTable<rpc::ActorTableData>& actors() { return actors_; }
  GcsTable<rpc::VirtualClusterTableData>& virtual_clusters() { return virtual_clusters_; }
  GcsTable<rpc::PlacementGroupTableData>& placement_groups() { return placement_groups_; }
  CounterTable& counters() { return counters_; }

  // Reads every table; `done` runs on the loop once all are in, or with the first error.
  void Load(StoreCallback<GcsInitData> done);

 private:
  StoreClient* store_;
  GcsTable<rpc::NodeInfo> nodes_;
  GcsTable<rpc::JobInfo> jobs_;
  GcsTable<rpc::ActorTableData> actors_;
  GcsTable<rpc::VirtualClusterTableData> virtual_clusters_;
  GcsTable<rpc::PlacementGroupTableData> placement_groups_;
  CounterTable counters_;
};

inline constexpr const char* kJobCounterName = "job";

}  // namespace colony::gcs
