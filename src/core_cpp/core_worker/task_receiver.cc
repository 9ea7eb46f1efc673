#include "core_worker/task_receiver.h"

#include <unistd.h>

#include <algorithm>

#include "common/logging.h"

namespace colony {

TaskReceiver::~TaskReceiver() {
  Stop();
  for (auto& t : extra_threads_) {
    if (t.joinable()) t.join();
  }
}

void TaskReceiver::HandlePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                                  rpc::SendReply send) {
  Pending pending{&request.task(), reply, std::move(send)};
  bool actor_call = request.task().type() == rpc::ACTOR_TASK;
  bool skip;
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    skip = request.cancelled() || cancelled_.erase(TaskID::FromBinary(request.task().task_id()));
    if (actor_call) {
      CallerQueue& caller = callers_[request.task().caller_handle_id()];
      AdvanceTo(&caller, request.client_processed_up_to());
      int64_t seq = request.task().sequence_number();
      if (skip) {
        if (seq >= caller.next_seq) caller.skipped.insert(seq);
      } else if (seq < caller.next_seq) {
        Enqueue(std::move(pending));  // a resend of a call whose turn has passed
      } else {
        caller.waiting.emplace(seq, std::move(pending));
      }
      ReleaseInOrder(&caller);
    } else if (!skip) {
      Enqueue(std::move(pending));
    }
    wake = wake_async_;
  }
  if (skip) SendCancelled(&pending);
  if (wake) {
    wake();
  } else {
    cv_.notify_all();
  }
}

// Calls may arrive in any order (and over two routes); a caller's calls run in its order.
// A restarted actor starts from client_processed_up_to: everything below it is done.
void TaskReceiver::AdvanceTo(CallerQueue* caller, int64_t processed_up_to) {
  if (processed_up_to <= caller->next_seq) return;
  caller->next_seq = processed_up_to;
  caller->skipped.erase(caller->skipped.begin(), caller->skipped.lower_bound(processed_up_to));
}

void TaskReceiver::ReleaseInOrder(CallerQueue* caller) {
  while (true) {
    auto head = caller->waiting.begin();
    if (head != caller->waiting.end() && head->first <= caller->next_seq) {
      if (head->first == caller->next_seq) caller->next_seq++;
      Enqueue(std::move(head->second));
      caller->waiting.erase(head);
    } else if (caller->skipped.erase(caller->next_seq)) {
      caller->next_seq++;  // a cancelled call's turn
    } else {
      return;
    }
  }
}

void TaskReceiver::SendCancelled(Pending* pending) {
  pending->reply->set_cancelled(true);
  pending->send(Status::OK());
}

bool TaskReceiver::TakeQueued(const TaskID& task_id, Pending* out) {
  const std::string& id = task_id.Binary();
  for (auto& [name, group] : groups_) {
    for (auto it = group.queue.begin(); it != group.queue.end(); ++it) {
      if (it->spec->task_id() != id) continue;
      *out = std::move(*it);
      group.queue.erase(it);
      return true;
    }
  }
  for (auto& [handle, caller] : callers_) {
    for (auto it = caller.waiting.begin(); it != caller.waiting.end(); ++it) {
      if (it->second.spec->task_id() != id) continue;
      *out = std::move(it->second);
      caller.skipped.insert(it->first);  // its turn passes without it
      caller.waiting.erase(it);
      return true;
    }
  }
  return false;
}

bool TaskReceiver::Cancel(const TaskID& task_id, bool force) {
  Pending queued;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = running_.find(task_id);
    if (it == running_.end()) {
      if (!TakeQueued(task_id, &queued)) {
        // Not here yet (a push and its cancel may take different routes): skipped on arrival.
        cancelled_.insert(task_id);
        return true;
      }
    } else if (it->second && !wake_async_) {
      // A sync actor's running call runs on: stopping it midway would leave the actor's
      // state half-changed (Ray does the same). An async actor's coroutine is cancelled.
      return false;
    }
  }
  if (queued.send) {
    SendCancelled(&queued);
    return true;
  }
  if (force) {
    COLONY_LOG(INFO) << "force-cancelling task " << task_id.Hex() << ": exiting";
    _exit(1);
  }
  interrupt_(task_id);
  return true;
}

TaskReceiver::Group& TaskReceiver::GroupOf(const rpc::TaskSpec& spec) {
  auto it = groups_.find(spec.concurrency_group());
  return it == groups_.end() ? groups_.at("") : it->second;
}

void TaskReceiver::Enqueue(Pending pending) {
  GroupOf(*pending.spec).queue.push_back(std::move(pending));
}

void TaskReceiver::RunLoop() { RunGroup(""); }

void TaskReceiver::RunGroup(const std::string& name) {
  while (true) {
    Pending next;
    TaskID id;
    {
      std::unique_lock<std::mutex> lock(mu_);
      Group& group = groups_.at(name);
      cv_.wait(lock, [this, &group] { return stopped_ || (!wake_async_ && !group.queue.empty()); });
      if (stopped_) return;
      next = std::move(group.queue.front());
      group.queue.pop_front();
      id = TaskID::FromBinary(next.spec->task_id());
      running_.emplace(id, next.spec->type() == rpc::ACTOR_TASK);
    }
    execute_(*next.spec, next.reply);
    {
      std::lock_guard<std::mutex> lock(mu_);
      running_.erase(id);
    }
    next.send(Status::OK());
  }
}

void TaskReceiver::SetConcurrency(int concurrency) {
  std::lock_guard<std::mutex> lock(mu_);
  groups_.at("").concurrency = std::max(1, concurrency);
  while (static_cast<int>(extra_threads_.size()) + 1 < concurrency) {
    extra_threads_.emplace_back([this]() { RunGroup(""); });
  }
}

void TaskReceiver::SetConcurrencyGroups(const std::map<std::string, int>& groups) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, concurrency] : groups) {
    if (name.empty() || groups_.count(name)) continue;  // "" is the default group
    Group& group = groups_[name];
    group.concurrency = std::max(1, concurrency);
    if (wake_async_) continue;  // an async actor's event loop runs every group
    for (int i = 0; i < group.concurrency; i++) {
      extra_threads_.emplace_back([this, name = name]() { RunGroup(name); });
    }
  }
}

void TaskReceiver::SetAsync(int concurrency, std::function<void()> wake) {
  bool queued = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    wake_async_ = wake;
    groups_.at("").concurrency = std::max(1, concurrency);
    for (const auto& [name, group] : groups_) queued = queued || !group.queue.empty();
  }
  if (queued) wake();
}

bool TaskReceiver::TakeAsync(Pending* out) {
  std::lock_guard<std::mutex> lock(mu_);
  if (stopped_ || !wake_async_) return false;
  for (auto& [name, group] : groups_) {
    if (group.queue.empty() || group.running >= group.concurrency) continue;
    Pending next = std::move(group.queue.front());
    group.queue.pop_front();
    running_.emplace(TaskID::FromBinary(next.spec->task_id()),
                     next.spec->type() == rpc::ACTOR_TASK);
    group.running++;
    *out = std::move(next);
    return true;
  }
  return false;
}

void TaskReceiver::FinishAsync(Pending pending) {
  std::function<void()> wake;
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.erase(TaskID::FromBinary(pending.spec->task_id()));
    Group& group = GroupOf(*pending.spec);
    group.running--;
    if (!group.queue.empty()) wake = wake_async_;
  }
  pending.send(Status::OK());
  if (wake) wake();
}

void TaskReceiver::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
}

}  // namespace colony
