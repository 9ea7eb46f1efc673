#include "gcs/store/gcs_table_storage.h"

#include <charconv>
#include <memory>

namespace colony::gcs {
namespace {

template <typename T>
StoreCallback<T> DropValue(StatusCallback done) {
  if (!done) return nullptr;
  return [done = std::move(done)](StatusOr<T> result) { done(result.status()); };
}

}  // namespace

template <typename Data>
void GcsTable<Data>::Put(const std::string& key, const Data& value, StatusCallback done) {
  store_->AsyncPut(name_, key, value.SerializeAsString(), /*overwrite=*/true,
                   DropValue<bool>(std::move(done)));
}

template <typename Data>
void GcsTable<Data>::Get(const std::string& key, StoreCallback<std::optional<Data>> done) {
  store_->AsyncGet(name_, key,
                   [name = name_, done = std::move(done)](
                       StatusOr<std::optional<std::string>> bytes) {
                     if (!bytes.ok()) return done(bytes.status());
                     if (!bytes->has_value()) return done(std::optional<Data>());
                     Data data;
                     if (!data.ParseFromString(**bytes)) {
                       return done(Status::Internal("corrupt record in store table " + name));
                     }
                     done(std::optional<Data>(std::move(data)));
                   });
}

template <typename Data>
void GcsTable<Data>::Delete(const std::string& key, StatusCallback done) {
  store_->AsyncDelete(name_, key, DropValue<bool>(std::move(done)));
}

template <typename Data>
void GcsTable<Data>::GetAll(StoreCallback<std::map<std::string, Data>> done) {
  store_->AsyncGetAll(name_, [name = name_, done = std::move(done)](
                                 StatusOr<std::map<std::string, std::string>> rows) {
    if (!rows.ok()) return done(rows.status());
    std::map<std::string, Data> records;
    for (const auto& [key, bytes] : *rows) {
      Data data;
      if (!data.ParseFromString(bytes)) {
        return done(Status::Internal("corrupt record in store table " + name));
      }
      records.emplace(key, std::move(data));
    }
    done(std::move(records));
  });
}

template class GcsTable<rpc::NodeInfo>;
template class GcsTable<rpc::JobInfo>;
template class GcsTable<rpc::ActorTableData>;
template class GcsTable<rpc::VirtualClusterTableData>;
template class GcsTable<rpc::PlacementGroupTableData>;

void CounterTable::Put(const std::string& name, uint64_t value, StatusCallback done) {
  store_->AsyncPut(tables::kCounters, name, std::to_string(value), /*overwrite=*/true,
                   DropValue<bool>(std::move(done)));
}

void CounterTable::Get(const std::string& name, StoreCallback<uint64_t> done) {
  store_->AsyncGet(tables::kCounters, name,
                   [name, done = std::move(done)](StatusOr<std::optional<std::string>> text) {
                     if (!text.ok()) return done(text.status());
                     if (!text->has_value()) return done(uint64_t{0});
                     const std::string& s = **text;
                     uint64_t value = 0;
                     auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
                     if (s.empty() || ec != std::errc() || end != s.data() + s.size()) {
                       return done(Status::Internal("corrupt counter '" + name +
                                                    "' in store: '" + s + "'"));
                     }
                     done(value);
                   });
}

GcsTableStorage::GcsTableStorage(StoreClient* store)
    : store_(store),
      nodes_(store, tables::kNodes),
      jobs_(store, tables::kJobs),
      actors_(store, tables::kActors),
      virtual_clusters_(store, tables::kVirtualClusters),
      placement_groups_(store, tables::kPlacementGroups),
      counters_(store) {}

void GcsTableStorage::Load(StoreCallback<GcsInitData> done) {
  // The reads are issued together and complete in order, so the last one (actors) finishes
  // the load; the first error wins and later results are dropped.
  struct State {
    GcsInitData data;
    Status error;
    StoreCallback<GcsInitData> done;
  };
  auto state = std::make_shared<State>();
  state->done = std::move(done);
  auto fail = [state](const Status& s) {
    if (state->error.ok()) state->error = s;
  };
  counters_.Get(kJobCounterName, [state, fail](StatusOr<uint64_t> v) {
    if (v.ok()) state->data.job_counter = *v; else fail(v.status());
  });
  nodes_.GetAll([state, fail](StatusOr<std::map<std::string, rpc::NodeInfo>> v) {
    if (v.ok()) state->data.nodes = std::move(*v); else fail(v.status());
  });
  jobs_.GetAll([state, fail](StatusOr<std::map<std::string, rpc::JobInfo>> v) {
    if (v.ok()) state->data.jobs = std::move(*v); else fail(v.status());
  });
  placement_groups_.GetAll(
      [state, fail](StatusOr<std::map<std::string, rpc::PlacementGroupTableData>> v) {
        if (v.ok()) state->data.placement_groups = std::move(*v); else fail(v.status());
      });
  virtual_clusters_.GetAll(
      [state, fail](StatusOr<std::map<std::string, rpc::VirtualClusterTableData>> v) {
        if (v.ok()) state->data.virtual_clusters = std::move(*v); else fail(v.status());
      });
  actors_.GetAll([state, fail](StatusOr<std::map<std::string, rpc::ActorTableData>> v) {
    if (v.ok()) state->data.actors = std::move(*v); else fail(v.status());
    if (!state->error.ok()) return state->done(state->error);
    state->done(std::move(state->data));
  });
}

}  // namespace colony::gcs
