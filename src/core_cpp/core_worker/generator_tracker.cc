#include "core_worker/generator_tracker.h"

#include <chrono>

namespace colony {

void GeneratorTracker::Add(const TaskID& task, int64_t backpressure) {
  MutexLock lock(mu_);
  streams_[task].backpressure = backpressure < 0 ? 0 : backpressure;
}

GeneratorTracker::Report GeneratorTracker::OnItem(const TaskID& task, int64_t index,
                                                  const std::function<void()>& store_new,
                                                  ReportReply reply) {
  Report result;
  bool run_now = true;
  bool stop = false;
  {
    MutexLock lock(mu_);
    auto it = streams_.find(task);
    if (it == streams_.end() || it->second.stopped) {
      result = Report::kUnwanted;
      stop = true;
    } else {
      Stream& s = it->second;
      if (index < s.reported) {
        result = Report::kDuplicate;
      } else {
        result = Report::kNew;
        if (store_new) store_new();
        s.reported = index + 1;
        changed_.notify_all();
        if (s.backpressure > 0 && s.reported - s.consumed >= s.backpressure) {
          s.held.push_back(std::move(reply));
          run_now = false;
        }
      }
    }
  }
  if (run_now) reply(stop);
  return result;
}

void GeneratorTracker::OnEnded(const TaskID& task) {
  std::vector<ReportReply> release;
  {
    MutexLock lock(mu_);
    auto it = streams_.find(task);
    if (it == streams_.end()) return;
    it->second.ended = true;
    release = std::move(it->second.held);  // an ended attempt waits for nothing
    it->second.held.clear();
    changed_.notify_all();
  }
  for (auto& reply : release) reply(true);
}

GeneratorTracker::Next GeneratorTracker::WaitNext(const TaskID& task, int64_t index,
                                                  int64_t timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  MutexLock lock(mu_);
  while (true) {
    auto it = streams_.find(task);
    if (it == streams_.end()) return {Next::kUnknown, ObjectID()};
    const Stream& s = it->second;
    // Once stopped, unconsumed items were dropped: nothing more is handed out.
    if (s.stopped) return {Next::kEnd, ObjectID()};
    if (index < s.reported) return {Next::kItem, GeneratorItemId(task, index)};
    if (s.ended) return {Next::kEnd, ObjectID()};
    if (timeout_ms < 0) {
      changed_.wait(lock.native());
    } else if (changed_.wait_until(lock.native(), deadline) == std::cv_status::timeout) {
      return {Next::kTimedOut, ObjectID()};
    }
  }
}

std::vector<GeneratorTracker::ReportReply> GeneratorTracker::Releasable(Stream& s) {
  // A held report is of an item already counted in `reported`: the executor may go on
  // once the caller's unconsumed items are below the window again.
  if (s.backpressure > 0 && s.reported - s.consumed >= s.backpressure) return {};
  std::vector<ReportReply> release = std::move(s.held);
  s.held.clear();
  return release;
}

void GeneratorTracker::Consumed(const TaskID& task, int64_t index) {
  std::vector<ReportReply> release;
  {
    MutexLock lock(mu_);
    auto it = streams_.find(task);
    if (it == streams_.end()) return;
    Stream& s = it->second;
    if (index + 1 > s.consumed) s.consumed = index + 1;
    release = Releasable(s);
  }
  for (auto& reply : release) reply(false);
}

std::vector<ObjectID> GeneratorTracker::Stop(const TaskID& task, bool forget) {
  std::vector<ReportReply> release;
  std::vector<ObjectID> unconsumed;
  {
    MutexLock lock(mu_);
    auto it = streams_.find(task);
    if (it == streams_.end()) return {};
    Stream& s = it->second;
    for (int64_t i = s.consumed; i < s.reported; i++) {
      unconsumed.push_back(GeneratorItemId(task, i));
    }
    s.consumed = s.reported;
    s.stopped = true;
    release = std::move(s.held);
    s.held.clear();
    if (forget) {
      streams_.erase(it);
    }
    changed_.notify_all();
  }
  for (auto& reply : release) reply(true);
  return unconsumed;
}

size_t GeneratorTracker::NumTracked() const {
  MutexLock lock(mu_);
  return streams_.size();
}

}  // namespace colony
