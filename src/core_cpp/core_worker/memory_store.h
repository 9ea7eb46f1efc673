// The core worker's in-process object store: values of small objects this process owns or
// has fetched, and error values of failed tasks. Thread-safe; getters block or get a callback.
#pragma once

#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/status.h"

namespace colony {

using ObjectValuePtr = std::shared_ptr<const rpc::ObjectValue>;

class MemoryStore {
 public:
  using ReadyCallback = std::function<void(ObjectValuePtr)>;

  // Stores a value; first write wins (a retried task's duplicate return is ignored).
  void Put(const ObjectID& id, ObjectValuePtr value);
  ObjectValuePtr GetIfExists(const ObjectID& id) const;
  bool Contains(const ObjectID& id) const;

  // Waits until every id has a value or timeout_ms passes (-1 = forever). Found values are
  // filled in `out` (nullptr for missing ones). Returns TimedOut if any is missing.
  Status Get(const std::vector<ObjectID>& ids, int64_t timeout_ms, std::vector<ObjectValuePtr>* out);
  // Waits until at least num_ready of ids have values or the timeout passes; ready[i] says which.
  void Wait(const std::vector<ObjectID>& ids, int num_ready, int64_t timeout_ms,
            std::vector<bool>* ready);
  // Calls `callback` once the value exists (immediately, on this thread, if it already does).
  void GetAsync(const ObjectID& id, ReadyCallback callback);

  void Delete(const ObjectID& id);
  size_t Size() const;

 private:
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<ObjectID, ObjectValuePtr> objects_;
  std::unordered_map<ObjectID, std::vector<ReadyCallback>> callbacks_;
};

}  // namespace colony
