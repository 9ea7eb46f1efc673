// Test helpers over the asynchronous GCS store: each call waits for the operation's
// callback, so tests read like synchronous code. Works with the in-memory backend (which
// answers inline) and with a backend whose callbacks run on a loop thread (Redis).
#pragma once

#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/store_client.h"

namespace colony::gcs::testing {

// Starts an async operation with a callback and waits for its result.
template <typename T, typename Start>
StatusOr<T> Await(Start start) {
  auto promise = std::make_shared<std::promise<StatusOr<T>>>();
  auto future = promise->get_future();
  start([promise](StatusOr<T> result) { promise->set_value(std::move(result)); });
  return future.get();
}

inline Status AwaitStatus(const std::function<void(StatusCallback)>& start) {
  auto promise = std::make_shared<std::promise<Status>>();
  auto future = promise->get_future();
  start([promise](Status status) { promise->set_value(std::move(status)); });
  return future.get();
}

class SyncStore {
 public:
  explicit SyncStore(StoreClient* store) : store_(store) {}
  StatusOr<bool> Put(const std::string& t, const std::string& k, const std::string& v,
                     bool overwrite) {
    return Await<bool>([&](auto cb) { store_->AsyncPut(t, k, v, overwrite, cb); });
  }
  StatusOr<std::optional<std::string>> Get(const std::string& t, const std::string& k) {
    return Await<std::optional<std::string>>([&](auto cb) { store_->AsyncGet(t, k, cb); });
  }
  StatusOr<bool> Delete(const std::string& t, const std::string& k) {
    return Await<bool>([&](auto cb) { store_->AsyncDelete(t, k, cb); });
  }
  StatusOr<int64_t> DeleteByPrefix(const std::string& t, const std::string& p) {
    return Await<int64_t>([&](auto cb) { store_->AsyncDeleteByPrefix(t, p, cb); });
  }
  StatusOr<std::map<std::string, std::string>> GetAll(const std::string& t) {
    return Await<std::map<std::string, std::string>>(
        [&](auto cb) { store_->AsyncGetAll(t, cb); });
  }
  StatusOr<std::vector<std::string>> Keys(const std::string& t, const std::string& p) {
    return Await<std::vector<std::string>>([&](auto cb) { store_->AsyncKeys(t, p, cb); });
  }

 private:
  StoreClient* store_;
};

// What a restarting GCS would load from `storage`.
inline GcsInitData LoadInitData(GcsTableStorage* storage) {
  auto data = Await<GcsInitData>([&](auto cb) { storage->Load(cb); });
  return data.ok() ? std::move(*data) : GcsInitData();
}

}  // namespace colony::gcs::testing
