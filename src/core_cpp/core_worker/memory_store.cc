#include "core_worker/memory_store.h"

#include <chrono>

namespace colony {

bool IsErrorValue(const rpc::ObjectValue& value) {
  return value.metadata().rfind(kErrorMetadataPrefix, 0) == 0;
}

void MemoryStore::Put(const ObjectID& id, ObjectValuePtr value) {
  std::vector<ReadyCallback> ready;
  {
    MutexLock lock(mu_);
    if (!objects_.emplace(id, value).second) return;
    auto it = callbacks_.find(id);
    if (it != callbacks_.end()) {
      ready.swap(it->second);
      callbacks_.erase(it);
    }
    auto waiting = waiters_.find(id);
    if (waiting != waiters_.end()) {
      bool error = IsErrorValue(*value);
      for (const Registration& r : waiting->second) {
        r.waiter->remaining -= r.count;
        if (error && r.waiter->stop_at_error) r.waiter->error_arrived = true;
        if (r.waiter->remaining <= 0 || r.waiter->error_arrived) r.waiter->cv.notify_one();
      }
      waiters_.erase(waiting);
    }
  }
  for (auto& cb : ready) cb(value);
}

ObjectValuePtr MemoryStore::GetIfExists(const ObjectID& id) const {
  MutexLock lock(mu_);
  auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : it->second;
}

bool MemoryStore::Contains(const ObjectID& id) const {
  MutexLock lock(mu_);
  return objects_.count(id) > 0;
}

MemoryStore::Outcome MemoryStore::Block(MutexLock& lock,
                                        const Missing& missing, int64_t needed, bool forever,
                                        std::chrono::steady_clock::time_point deadline,
                                        bool stop_at_error) {
  using Clock = std::chrono::steady_clock;
  constexpr auto kCheckPeriod = std::chrono::seconds(1);
  Waiter waiter;
  waiter.remaining = needed;
  waiter.stop_at_error = stop_at_error;
  for (const auto& [id, count] : missing) waiters_[id].push_back({&waiter, count});
  Outcome outcome = Outcome::kReady;
  while (waiter.remaining > 0 && !waiter.error_arrived) {
    if (forever && !interrupted_) {
      waiter.cv.wait(lock.native());
      continue;
    }
    auto until = interrupted_ ? Clock::now() + kCheckPeriod : deadline;
    if (!forever && deadline < until) until = deadline;
    if (waiter.cv.wait_until(lock.native(), until) != std::cv_status::timeout) continue;
    if (waiter.remaining <= 0 || waiter.error_arrived) break;
    if (!forever && Clock::now() >= deadline) {
      outcome = Outcome::kTimedOut;
      break;
    }
    // The check may take the interpreter's lock, so it runs without ours. Through native():
    // the analysis cannot follow a scoped lock passed by reference, and the check touches
    // no guarded state.
    lock.native().unlock();
    bool stop = interrupted_();
    lock.native().lock();
    if (stop && waiter.remaining > 0) {
      outcome = Outcome::kInterrupted;
      break;
    }
  }
  // Put dropped the registrations of ids that arrived; drop the others.
  for (const auto& [id, count] : missing) {
    auto it = waiters_.find(id);
    if (it == waiters_.end()) continue;
    auto& list = it->second;
    for (size_t i = 0; i < list.size(); i++) {
      if (list[i].waiter != &waiter) continue;
      list[i] = list.back();
      list.pop_back();
      break;
    }
    if (list.empty()) waiters_.erase(it);
  }
  return outcome;
}

Status MemoryStore::Get(const std::vector<ObjectID>& ids, int64_t timeout_ms,
                        std::vector<ObjectValuePtr>* out, bool stop_at_error) {
  out->assign(ids.size(), nullptr);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::vector<size_t> missing_indices(ids.size());
  for (size_t i = 0; i < ids.size(); i++) missing_indices[i] = i;
  MutexLock lock(mu_);
  while (true) {
    std::vector<size_t> still_missing;
    Missing missing;
    bool error_found = false;
    for (size_t i : missing_indices) {
      auto it = objects_.find(ids[i]);
      if (it == objects_.end()) {
        still_missing.push_back(i);
        missing[ids[i]] = 1;
      } else {
        (*out)[i] = it->second;
        error_found = error_found || IsErrorValue(*it->second);
      }
    }
    if (still_missing.empty() || (stop_at_error && error_found)) return Status::OK();
    missing_indices.swap(still_missing);
    // Rechecked after waking: a value may be deleted again before this thread runs.
    Outcome outcome = Block(lock, missing, static_cast<int64_t>(missing.size()), timeout_ms < 0,
                            deadline, stop_at_error);
    if (outcome != Outcome::kReady) {
      for (size_t i : missing_indices) {
        auto it = objects_.find(ids[i]);
        if (it != objects_.end()) (*out)[i] = it->second;
      }
      if (outcome == Outcome::kInterrupted) return Status::Cancelled("the wait was interrupted");
      return Status::TimedOut("objects not ready");
    }
  }
}

void MemoryStore::Wait(const std::vector<ObjectID>& ids, int num_ready, int64_t timeout_ms,
                       std::vector<bool>* ready) {
  ready->assign(ids.size(), false);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  MutexLock lock(mu_);
  while (true) {
    int64_t count = 0;
    Missing missing;
    for (size_t i = 0; i < ids.size(); i++) {
      (*ready)[i] = objects_.count(ids[i]) > 0;
      if ((*ready)[i]) {
        count++;
      } else {
        missing[ids[i]]++;
      }
    }
    if (count >= num_ready || missing.empty()) return;
    if (Block(lock, missing, num_ready - count, timeout_ms < 0, deadline) != Outcome::kReady) {
      for (size_t i = 0; i < ids.size(); i++) (*ready)[i] = objects_.count(ids[i]) > 0;
      return;
    }
  }
}

void MemoryStore::GetAsync(const ObjectID& id, ReadyCallback callback) {
  ObjectValuePtr value;
  {
    MutexLock lock(mu_);
    auto it = objects_.find(id);
    if (it == objects_.end()) {
      callbacks_[id].push_back(std::move(callback));
      return;
    }
    value = it->second;
  }
  callback(value);
}

void MemoryStore::Delete(const ObjectID& id) {
  MutexLock lock(mu_);
  objects_.erase(id);
}

size_t MemoryStore::Size() const {
  MutexLock lock(mu_);
  return objects_.size();
}

}  // namespace colony
