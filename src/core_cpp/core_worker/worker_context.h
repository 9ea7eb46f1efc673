// What a core worker knows about the task it is running: the current task (a driver's is
// its job's root task), the counters that name its children and puts, the namespace its
// actors are looked up in, the placement group its children inherit, and per-function
// call counts for max_calls.
// Threads: any thread may ask (submitting from the language's threads); BeginTask runs on
// the task thread. One lock (mu_) guards everything but calls_by_function_, which only
// the task thread touches.
#pragma once

#include <mutex>
#include <string>
#include <unordered_map>

#include "common.pb.h"
#include "common/id.h"

namespace colony {

class WorkerContext {
 public:
  // A driver that names no namespace gets an anonymous one of its own, as in Ray: its
  // named actors are invisible to other jobs (docs/isolation.md).
  WorkerContext(bool is_driver, const std::string& namespace_name);

  // The job is known (Connect): until a task runs, children are the job root's.
  void StartJob(const JobID& job_id);
  // Names a new child of the running task: fills parent_task_id and the placement group
  // it inherits, and returns its id.
  TaskID NextChildTask(rpc::TaskSpec* spec);
  // The id of the running task's next put.
  ObjectID NextPutId();
  // `spec` starts running here: its children and puts are counted from zero, an actor
  // call keeps its actor's placement group, and its namespace becomes this worker's.
  void BeginTask(const rpc::TaskSpec& spec);
  // Task thread only: counts a normal task's call of its function; true when this call
  // reaches the function's max_calls (the worker is then recycled).
  bool ReachedMaxCalls(const rpc::TaskSpec& spec);

  TaskID current_task_id() const;
  std::string namespace_name() const;

 private:
  mutable std::mutex mu_;
  JobID job_id_;               // guarded by mu_
  TaskID current_task_id_;     // guarded by mu_
  // The running task's placement group when it captures child tasks (an actor's, from its
  // creation task, for all its calls); DEFAULT otherwise.
  rpc::SchedulingStrategy captured_strategy_;  // guarded by mu_
  uint64_t task_index_ = 0;    // guarded by mu_
  uint32_t put_index_ = 0;     // guarded by mu_
  std::string namespace_;      // guarded by mu_
  // Normal tasks run per function (by descriptor), for max_calls; the task thread only.
  std::unordered_map<std::string, int> calls_by_function_;
};

}  // namespace colony
