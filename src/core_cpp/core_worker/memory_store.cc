#include "core_worker/memory_store.h"

#include <chrono>

namespace colony {

void MemoryStore::Put(const ObjectID& id, ObjectValuePtr value) {
  std::vector<ReadyCallback> ready;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!objects_.emplace(id, value).second) return;
    auto it = callbacks_.find(id);
    if (it != callbacks_.end()) {
      ready.swap(it->second);
      callbacks_.erase(it);
    }
  }
  cv_.notify_all();
  for (auto& cb : ready) cb(value);
}

ObjectValuePtr MemoryStore::GetIfExists(const ObjectID& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = objects_.find(id);
  return it == objects_.end() ? nullptr : it->second;
}

bool MemoryStore::Contains(const ObjectID& id) const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.count(id) > 0;
}

Status MemoryStore::Get(const std::vector<ObjectID>& ids, int64_t timeout_ms,
                        std::vector<ObjectValuePtr>* out) {
  out->assign(ids.size(), nullptr);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    size_t missing = 0;
    for (size_t i = 0; i < ids.size(); i++) {
      if ((*out)[i]) continue;
      auto it = objects_.find(ids[i]);
      if (it == objects_.end()) {
        missing++;
      } else {
        (*out)[i] = it->second;
      }
    }
    if (missing == 0) return Status::OK();
    if (timeout_ms < 0) {
      cv_.wait(lock);
    } else if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      return Status::TimedOut("objects not ready");
    }
  }
}

void MemoryStore::Wait(const std::vector<ObjectID>& ids, int num_ready, int64_t timeout_ms,
                       std::vector<bool>* ready) {
  ready->assign(ids.size(), false);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  std::unique_lock<std::mutex> lock(mu_);
  while (true) {
    int count = 0;
    for (size_t i = 0; i < ids.size(); i++) {
      (*ready)[i] = objects_.count(ids[i]) > 0;
      count += (*ready)[i];
    }
    if (count >= num_ready) return;
    if (timeout_ms < 0) {
      cv_.wait(lock);
    } else if (cv_.wait_until(lock, deadline) == std::cv_status::timeout) {
      return;
    }
  }
}

void MemoryStore::GetAsync(const ObjectID& id, ReadyCallback callback) {
  ObjectValuePtr value;
  {
    std::lock_guard<std::mutex> lock(mu_);
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
  std::lock_guard<std::mutex> lock(mu_);
  objects_.erase(id);
}

size_t MemoryStore::Size() const {
  std::lock_guard<std::mutex> lock(mu_);
  return objects_.size();
}

}  // namespace colony
