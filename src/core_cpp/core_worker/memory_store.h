// The core worker's in-process object store: values of small objects this process owns or
// has fetched, and error values of failed tasks. Thread-safe; getters block or get a callback.
// A blocked getter registers for the ids it lacks and is woken once they are all there, so
// a get of a million refs costs O(1) per arriving value, not a rescan of the million.
// Threads: any; one lock (mu_) guards everything below it, and callbacks (GetAsync, the
// interrupt check) run without it.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "common/mutex.h"
#include "common/status.h"

namespace colony {

using ObjectValuePtr = std::shared_ptr<const rpc::ObjectValue>;

// Metadata tag of error values (a failed task's returns): "ERROR:<rpc::ErrorType>".
inline constexpr const char* kErrorMetadataPrefix = "ERROR:";
bool IsErrorValue(const rpc::ObjectValue& value);

class MemoryStore {
 public:
  using ReadyCallback = std::function<void(ObjectValuePtr)>;

  // Stores a value; first write wins (a retried task's duplicate return is ignored).
  void Put(const ObjectID& id, ObjectValuePtr value);
  ObjectValuePtr GetIfExists(const ObjectID& id) const;
  bool Contains(const ObjectID& id) const;

  // Waits until every id has a value or timeout_ms passes (-1 = forever). Found values are
  // filled in `out` (nullptr for missing ones). Returns TimedOut if any is missing. With
  // `stop_at_error`, an error value among them ends the wait at once: OK is returned with
  // the ids still missing left null.
  Status Get(const std::vector<ObjectID>& ids, int64_t timeout_ms, std::vector<ObjectValuePtr>* out,
             bool stop_at_error = false);
  // Waits until at least num_ready of ids have values or the timeout passes; ready[i] says which.
  void Wait(const std::vector<ObjectID>& ids, int num_ready, int64_t timeout_ms,
            std::vector<bool>* ready);
  // Calls `callback` once the value exists (immediately, on this thread, if it already does).
  void GetAsync(const ObjectID& id, ReadyCallback callback);

  void Delete(const ObjectID& id);
  size_t Size() const;

  // Called about once a second, without the lock, by each blocked Get or Wait; true ends
  // the wait early (Ctrl-C in a driver): Get returns Cancelled, Wait what is ready.
  void SetInterruptCheck(std::function<bool()> check) { interrupted_ = std::move(check); }

 private:
  // A blocked Get or Wait: woken when `remaining` (values it still needs) reaches zero.
  struct Waiter {
    int64_t remaining = 0;
    bool stop_at_error = false;
    bool error_arrived = false;  // set by Put when stop_at_error and an error value came
    std::condition_variable cv;
  };
  struct Registration {
    Waiter* waiter;
    int64_t count;  // how many of the waiter's indices name this id
  };
  using Missing = std::unordered_map<ObjectID, int64_t>;  // id -> indices waiting for it

  enum class Outcome { kReady, kTimedOut, kInterrupted };
  // Blocks until `needed` more values of `missing` arrive, `deadline` passes or the
  // interrupt check says stop; caller holds `lock`.
  Outcome Block(MutexLock& lock, const Missing& missing, int64_t needed, bool forever,
                std::chrono::steady_clock::time_point deadline, bool stop_at_error = false)
      COLONY_REQUIRES(mu_);

  mutable Mutex mu_;
  std::unordered_map<ObjectID, ObjectValuePtr> objects_ COLONY_GUARDED_BY(mu_);
  std::unordered_map<ObjectID, std::vector<Registration>> waiters_ COLONY_GUARDED_BY(mu_);
  std::function<bool()> interrupted_;  // set before use, read without the lock
  std::unordered_map<ObjectID, std::vector<ReadyCallback>> callbacks_ COLONY_GUARDED_BY(mu_);
};

}  // namespace colony
