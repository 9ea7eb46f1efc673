// The executing side: PushTask calls queue here and the language runtime runs them through
// the executor callback on the thread(s) in RunLoop. An actor's calls from one caller run in
// that caller's sequence order; an actor with max_concurrency > 1 runs calls on that many
// threads (order is then only the dispatch order, as in Ray's threaded actors). An async
// actor's calls are not run by RunLoop: its event loop takes them (TakeAsync) when woken
// and finishes each when its coroutine ends, with up to max_concurrency running at once on
// that one thread. Concurrency groups (an actor's named groups of methods) each have their
// own queue and concurrency: their own threads, or their own share of the event loop.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core_worker.pb.h"
#include "common/id.h"
#include "rpc/grpc_util.h"

namespace colony {

class TaskReceiver {
 public:
  // Runs one task and fills its reply (returns, error flags).
  using Execute = std::function<void(const rpc::TaskSpec&, rpc::PushTaskReply*)>;
  // Asks the language runtime to interrupt the running task.
  using Interrupt = std::function<void(const TaskID&)>;

  TaskReceiver(Execute execute, Interrupt interrupt)
      : execute_(std::move(execute)), interrupt_(std::move(interrupt)) {}
  ~TaskReceiver();

  // A received call: the spec and reply live in the gRPC call until `send`.
  struct Pending {
    const rpc::TaskSpec* spec;
    rpc::PushTaskReply* reply;
    rpc::SendReply send;
  };

  void HandlePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                      rpc::SendReply send);
  // Skips the task if it has not started (even if it has not arrived yet), interrupts it if
  // it runs (force: exits), except a sync actor's running call: false then, it runs on.
  bool Cancel(const TaskID& task_id, bool force);
  // Executes tasks on the calling thread until Stop().
  void RunLoop();
  // Adds threads so that `concurrency` tasks run at once (an actor's max_concurrency).
  void SetConcurrency(int concurrency);
  // Named groups, each running up to its count of calls at once on threads of its own
  // (or, after SetAsync, as coroutines). Calls naming no group, or one not declared
  // here, run in the default group.
  void SetConcurrencyGroups(const std::map<std::string, int>& groups);
  // From now on calls go to an event loop: `wake` runs (on any thread, must not block)
  // whenever TakeAsync may have a call for it.
  void SetAsync(int concurrency, std::function<void()> wake);
  // The next call to start, unless `concurrency` run already or none is queued.
  bool TakeAsync(Pending* out);
  // The call's reply is filled: sends it and lets the next one start.
  void FinishAsync(Pending pending);
  void Stop();

 private:
  // Per calling handle: calls that arrived ahead of their turn wait here; the turns of
  // cancelled calls (skipped) pass without them.
  struct CallerQueue {
    int64_t next_seq = 0;
    std::map<int64_t, Pending> waiting;
    std::set<int64_t> skipped;
  };
  // A concurrency group: its calls ready to run, how many may run at once, how many run.
  struct Group {
    std::deque<Pending> queue;
    int concurrency = 1;
    int running = 0;
  };
  // With mu_ held: the group that runs `spec` (the default group "" unless it names one).
  Group& GroupOf(const rpc::TaskSpec& spec);
  // With mu_ held: queues a call whose turn has come in its group.
  void Enqueue(Pending pending);
  // Runs the calls of group `name` on the calling thread until Stop().
  void RunGroup(const std::string& name);
  void AdvanceTo(CallerQueue* caller, int64_t processed_up_to);
  // Moves the calls whose turn has come to their group's queue.
  void ReleaseInOrder(CallerQueue* caller);
  // Removes a call that has not started; false if none is queued.
  bool TakeQueued(const TaskID& task_id, Pending* out);
  static void SendCancelled(Pending* pending);

  std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Group> groups_{{"", Group{}}};  // "" = the default group
  std::unordered_map<std::string, CallerQueue> callers_;
  std::unordered_set<TaskID> cancelled_;  // cancelled before they arrived
  std::unordered_map<TaskID, bool> running_;  // running calls: is it an actor call
  std::vector<std::thread> extra_threads_;
  bool stopped_ = false;
  std::function<void()> wake_async_;  // set: an event loop takes the calls
  Execute execute_;
  Interrupt interrupt_;
};

}  // namespace colony
