// Caller (owner) side of streaming generator tasks (num_returns="streaming"): which items
// each task's executor has reported, how many the caller consumed, and the executor's
// reports held back for back-pressure. Items are the task's returns 2, 3, ... (return 1
// ends the stream: its value arrives when the task has ended, after every item).
//
// The executor reports items one at a time and waits for each reply, so items arrive in
// order; a retried attempt reports from index 0 again and its repeats are duplicates.
// Thread-safe: reports come on gRPC threads, WaitNext blocks the language's thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <unordered_map>
#include <vector>

#include "common/id.h"
#include "common/mutex.h"

namespace colony {

// Items per streaming task: their ids share the return-index space below the put flag.
inline constexpr int64_t kMaxGeneratorItems = int64_t{1} << 30;

// The object id of a streaming task's item `index` (0-based).
inline ObjectID GeneratorItemId(const TaskID& task, int64_t index) {
  return ObjectID::ForReturn(task, static_cast<uint32_t>(index + 2));
}

class GeneratorTracker {
 public:
  // Answers an executor's report; stop=true: the caller wants no more items.
  using ReportReply = std::function<void(bool stop)>;

  enum class Report {
    kNew,        // store the item: the caller has not seen it
    kDuplicate,  // a retried attempt's repeat: already stored
    kUnwanted,   // no such generator (dropped, or never submitted here): replied stop
  };
  struct Next {
    enum Kind { kItem, kEnd, kTimedOut, kUnknown } kind;
    ObjectID id;  // kItem
  };

  // A streaming task was submitted; `backpressure`: unconsumed items at which the
  // executor's report waits (0 = no limit).
  void Add(const TaskID& task, int64_t backpressure);
  // Item `index` arrived. A new one is stored by `store_new` (run under the tracker's
  // lock, so WaitNext never announces an item before it is stored). `reply` runs now, or
  // once the caller consumed enough.
  Report OnItem(const TaskID& task, int64_t index, const std::function<void()>& store_new,
                ReportReply reply);
  // The task ended (its return 1 is stored): no item comes after the ones reported.
  void OnEnded(const TaskID& task);
  // Blocks until item `index` is reported (kItem), the task ended without it (kEnd), or
  // timeout_ms passes (-1 = forever). kUnknown if the generator is not tracked.
  Next WaitNext(const TaskID& task, int64_t index, int64_t timeout_ms);
  // The caller took items up to and including `index`: held reports may proceed.
  void Consumed(const TaskID& task, int64_t index);
  // The caller wants no more items (generator dropped or cancelled): held reports and any
  // later ones are answered stop. Returns the items reported and not consumed, which the
  // caller should drop. `forget`: drop the record too (no WaitNext will come).
  std::vector<ObjectID> Stop(const TaskID& task, bool forget);

  size_t NumTracked() const;

 private:
  struct Stream {
    int64_t backpressure = 0;
    int64_t reported = 0;  // items 0..reported-1 are stored
    int64_t consumed = 0;  // items 0..consumed-1 were taken by the caller
    bool ended = false;
    bool stopped = false;
    std::vector<ReportReply> held;  // reports waiting for the caller to consume
  };
  // The held replies that may run now.
  std::vector<ReportReply> Releasable(Stream& stream) COLONY_REQUIRES(mu_);

  mutable Mutex mu_;
  std::condition_variable changed_;
  std::unordered_map<TaskID, Stream> streams_ COLONY_GUARDED_BY(mu_);
};

}  // namespace colony
