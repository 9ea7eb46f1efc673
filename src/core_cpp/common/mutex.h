// A std::mutex that clang's thread-safety analysis knows as a lock, and its scoped holder.
// MutexLock is std::unique_lock underneath, so condition variables wait on `lock.native()`;
// the analysis treats the wait as holding the lock throughout, which it does on return.
#pragma once

#include <mutex>

#include "common/thread_annotations.h"

namespace colony {

class COLONY_CAPABILITY("mutex") Mutex {
 public:
  void Lock() COLONY_ACQUIRE() { mu_.lock(); }
  void Unlock() COLONY_RELEASE() { mu_.unlock(); }
  // Tells the analysis the caller holds it (a callback run under the lock, say).
  void AssertHeld() const COLONY_ASSERT_CAPABILITY(this) {}

 private:
  friend class MutexLock;
  std::mutex mu_;
};

class COLONY_SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mu) COLONY_ACQUIRE(mu) : lock_(mu.mu_) {}
  ~MutexLock() COLONY_RELEASE() {}
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

  // For work that must run without the lock (callbacks), then with it again.
  void Unlock() COLONY_RELEASE() { lock_.unlock(); }
  void Lock() COLONY_ACQUIRE() { lock_.lock(); }

  // For std::condition_variable::wait/wait_until.
  std::unique_lock<std::mutex>& native() { return lock_; }

 private:
  std::unique_lock<std::mutex> lock_;
};

}  // namespace colony
