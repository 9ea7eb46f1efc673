// Tracks tasks this process submitted until their returns are stored: retries on worker
// failure (max_retries) and on retryable application errors, and error values otherwise.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "core_worker.pb.h"
#include "core_worker/memory_store.h"
#include "core_worker/reference_counter.h"
#include "core_worker/task_event_buffer.h"

namespace colony {

// Error values' metadata ("ERROR:<type>", kErrorMetadataPrefix) and values.
std::string ErrorMetadata(rpc::ErrorType type);
ObjectValuePtr MakeErrorValue(rpc::ErrorType type, const std::string& message);

// A submitted task's spec, shared by the task manager (for retries and lineage) and the
// submitter's queue: one copy per task however many hold it; changes make a new one.
using TaskSpecPtr = std::shared_ptr<const rpc::TaskSpec>;

// A normal task whose returns went to the shared-memory store keeps its spec and its
// argument refs (lineage) while any return is referenced and retries remain, so that a
// lost copy can be recreated by running the task again.
class TaskManager {
 public:
  using Resubmit = std::function<void(TaskSpecPtr)>;
  // A return that arrived after every ref to it was dropped (its stored copy must go).
  using DropReturn = std::function<void(const ObjectID&, const rpc::ObjectValue&)>;
  TaskManager(MemoryStore* store, ReferenceCounter* refs, Resubmit resubmit, DropReturn drop)
      : store_(store), refs_(refs), resubmit_(std::move(resubmit)), drop_(std::move(drop)) {}

  // Task events (SUBMITTED, LEASED, FINISHED, FAILED of each attempt) go here; null: none.
  // Set once, before any task is added.
  void SetEventBuffer(TaskEventBuffer* events) { events_ = events; }
  void AddPendingTask(TaskSpecPtr spec, std::vector<ObjectID> arg_refs);
  // The task was pushed to `worker` (a leased worker, or its actor's): recorded as LEASED,
  // and named in the attempt's FAILED event if the worker dies under it.
  void MarkPushed(const TaskID& id, const rpc::Address& worker);
  // The pending task's spec, or null.
  TaskSpecPtr PendingSpec(const TaskID& id) const;
  // The pending tasks submitted while `parent` ran here.
  std::vector<TaskSpecPtr> PendingChildren(const TaskID& parent) const;
  // Stores the returns, or retries if the reply is a retryable application error.
  void CompleteTask(const TaskID& id, const rpc::PushTaskReply& reply);
  // The worker died or could not be reached: retry if attempts remain, else store `type`.
  void FailOrRetryTask(const TaskID& id, rpc::ErrorType type, const std::string& message);
  // Stores `type` for every return without retrying (cancellation, invalid task).
  void FailTask(const TaskID& id, rpc::ErrorType type, const std::string& message);
  // Stores `error` for every return without retrying.
  void FailTaskWithValue(const TaskID& id, ObjectValuePtr error);
  // Forgets a task that was never submitted (rejected at submit time).
  void RemovePendingTask(const TaskID& id);
  void MarkCancelled(const TaskID& id);
  bool IsCancelled(const TaskID& id) const;
  size_t NumPending() const;
  // Runs the task that returns `id` again. False (with `why`) if it has no lineage or no
  // retries left; true if a re-run is under way.
  bool Reconstruct(const ObjectID& id, std::string* why);
  // An owned return was freed: its task's lineage goes with the last of them.
  void OnReturnFreed(const ObjectID& id);

 private:
  struct Entry {
    TaskSpecPtr spec;
    std::vector<ObjectID> arg_refs;
    int retries_left = 0;
    bool cancelled = false;
    rpc::Address worker;  // where the current attempt was pushed (empty: not yet)
  };
  struct Lineage {
    TaskSpecPtr spec;
    std::vector<ObjectID> arg_refs;
    int retries_left = 0;
    int live_returns = 0;
  };
  // Removes the entry and releases the argument refs it held (or keeps them as lineage).
  void Finish(const TaskID& id, const std::function<void(const Entry&)>& store_returns,
              const rpc::PushTaskReply* reply = nullptr);
  // With mu_ held: keeps the finished task as lineage if a return is in shared memory.
  bool KeepLineage(const Entry& entry, const rpc::PushTaskReply& reply);
  // Moves the task to its next attempt if it has retries left; the failed attempt is
  // recorded as FAILED with `error_type` and `message`, the next one as SUBMITTED.
  bool TakeRetry(const TaskID& id, TaskSpecPtr* spec, const std::string& error_type,
                 const std::string& message);
  void StoreReturn(const ObjectID& id, ObjectValuePtr value);
  void RecordFinished(const Entry& entry, const rpc::PushTaskReply& reply);
  void RecordFailedValue(const Entry& entry, const rpc::ObjectValue& error);

  MemoryStore* store_;
  ReferenceCounter* refs_;
  Resubmit resubmit_;
  DropReturn drop_;
  TaskEventBuffer* events_ = nullptr;
  mutable std::mutex mu_;
  std::unordered_map<TaskID, Entry> pending_;
  std::unordered_map<TaskID, Lineage> lineage_;
};

}  // namespace colony
