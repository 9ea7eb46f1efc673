// Test helpers over the asynchronous GCS store: each call waits for the operation's
// callback, so tests read like synchronous code. Works with the in-memory backend (which
// answers inline) and with a backend whose callbacks run on a loop thread (Redis).
#pragma once

#include <deque>
#include <functional>
#include <future>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/in_memory_store_client.h"
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

// Applies each operation to an in-memory store but holds its callback until Flush(), as a
// remote store would answer later, in issue order.
class DeferredStore : public StoreClient {
 public:
  void AsyncPut(const std::string& t, const std::string& k, std::string v, bool ow,
                StoreCallback<bool> done) override {
    inner_.AsyncPut(t, k, std::move(v), ow, Hold(std::move(done)));
  }
  void AsyncGet(const std::string& t, const std::string& k,
                StoreCallback<std::optional<std::string>> done) override {
    inner_.AsyncGet(t, k, Hold(std::move(done)));
  }
  void AsyncDelete(const std::string& t, const std::string& k, StoreCallback<bool> done) override {
    inner_.AsyncDelete(t, k, Hold(std::move(done)));
  }
  void AsyncDeleteByPrefix(const std::string& t, const std::string& p,
                           StoreCallback<int64_t> done) override {
    inner_.AsyncDeleteByPrefix(t, p, Hold(std::move(done)));
  }
  void AsyncGetAll(const std::string& t,
                   StoreCallback<std::map<std::string, std::string>> done) override {
    inner_.AsyncGetAll(t, Hold(std::move(done)));
  }
  void AsyncKeys(const std::string& t, const std::string& p,
                 StoreCallback<std::vector<std::string>> done) override {
    inner_.AsyncKeys(t, p, Hold(std::move(done)));
  }
  std::string Describe() const override { return "deferred"; }

  size_t pending() const { return held_.size(); }
  void Flush() {
    while (!held_.empty()) {
      auto fn = std::move(held_.front());
      held_.pop_front();
      fn();
    }
  }

 private:
  template <typename T>
  StoreCallback<T> Hold(StoreCallback<T> done) {
    return [this, done = std::move(done)](StatusOr<T> result) {
      held_.push_back([done, result]() mutable {
        if (done) done(std::move(result));
      });
    };
  }

  InMemoryStoreClient inner_;
  std::deque<std::function<void()>> held_;
};

// What a restarting GCS would load from `storage`.
inline GcsInitData LoadInitData(GcsTableStorage* storage) {
  auto data = Await<GcsInitData>([&](auto cb) { storage->Load(cb); });
  return data.ok() ? std::move(*data) : GcsInitData();
}

}  // namespace colony::gcs::testing
