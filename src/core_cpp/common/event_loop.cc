#include "common/event_loop.h"

#include <pthread.h>

#include <memory>

namespace colony {

EventLoop::~EventLoop() { Stop(); }

void EventLoop::Post(Handler handler) {
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    queue_.push_back(std::move(handler));
  }
  cv_.notify_one();
}

void EventLoop::PostDelayed(Handler handler, int64_t delay_ms) {
  {
    MutexLock lock(mu_);
    if (stopped_) return;
    timers_.emplace(Now() + std::chrono::milliseconds(delay_ms), std::move(handler));
  }
  cv_.notify_one();
}

void EventLoop::PostPeriodic(std::function<void()> handler, int64_t period_ms) {
  auto tick = std::make_shared<Handler>();
  *tick = [this, handler = std::move(handler), period_ms, raw = tick.get()]() {
    handler();
    PostDelayed(*raw, period_ms);
  };
  {
    MutexLock lock(mu_);
    periodic_.push_back(tick);  // owned by the loop; copies in timers_ point back to it
  }
  PostDelayed(*tick, period_ms);
}

void EventLoop::Run() {
  loop_thread_id_ = std::this_thread::get_id();
  MutexLock lock(mu_);
  while (!stopped_) {
    auto now = Now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      queue_.push_back(std::move(timers_.begin()->second));
      timers_.erase(timers_.begin());
    }
    if (queue_.empty()) {
      if (timers_.empty() || frozen_) {
        cv_.wait(lock.native());  // a frozen clock moves only by AdvanceTime, which notifies
      } else {
        cv_.wait_until(lock.native(), timers_.begin()->first);
      }
      continue;
    }
    std::deque<Handler> batch;
    batch.swap(queue_);
    lock.Unlock();
    for (auto& h : batch) h();
    lock.Lock();
  }
}

size_t EventLoop::RunPending() {
  size_t ran = 0;
  MutexLock lock(mu_);
  while (!stopped_) {
    auto now = Now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      queue_.push_back(std::move(timers_.begin()->second));
      timers_.erase(timers_.begin());
    }
    if (queue_.empty()) break;
    std::deque<Handler> batch;
    batch.swap(queue_);
    lock.Unlock();
    for (auto& h : batch) h();
    ran += batch.size();
    lock.Lock();
  }
  return ran;
}

void EventLoop::FreezeTime() {
  MutexLock lock(mu_);
  if (!frozen_) frozen_now_ = Clock::now();
  frozen_ = true;
}

void EventLoop::AdvanceTime(int64_t ms) {
  {
    MutexLock lock(mu_);
    if (!frozen_) frozen_now_ = Clock::now();
    frozen_ = true;
    frozen_now_ += std::chrono::milliseconds(ms);
  }
  cv_.notify_all();
}

void EventLoop::StartThread(const char* name) {
  thread_ = std::thread([this, name]() {
    pthread_setname_np(pthread_self(), name);
    Run();
  });
}

void EventLoop::Stop() {
  {
    MutexLock lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

}  // namespace colony
