#include "common/event_loop.h"

#include <pthread.h>

#include <memory>

namespace colony {

EventLoop::~EventLoop() { Stop(); }

void EventLoop::Post(Handler handler) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    queue_.push_back(std::move(handler));
  }
  cv_.notify_one();
}

void EventLoop::PostDelayed(Handler handler, int64_t delay_ms) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    timers_.emplace(Clock::now() + std::chrono::milliseconds(delay_ms), std::move(handler));
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
    std::lock_guard<std::mutex> lock(mu_);
    periodic_.push_back(tick);  // owned by the loop; copies in timers_ point back to it
  }
  PostDelayed(*tick, period_ms);
}

void EventLoop::Run() {
  loop_thread_id_ = std::this_thread::get_id();
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopped_) {
    auto now = Clock::now();
    while (!timers_.empty() && timers_.begin()->first <= now) {
      queue_.push_back(std::move(timers_.begin()->second));
      timers_.erase(timers_.begin());
    }
    if (queue_.empty()) {
      if (timers_.empty()) {
        cv_.wait(lock);
      } else {
        cv_.wait_until(lock, timers_.begin()->first);
      }
      continue;
    }
    std::deque<Handler> batch;
    batch.swap(queue_);
    lock.unlock();
    for (auto& h : batch) h();
    lock.lock();
  }
}

void EventLoop::StartThread(const char* name) {
  thread_ = std::thread([this, name]() {
    pthread_setname_np(pthread_self(), name);
    Run();
  });
}

void EventLoop::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable() && std::this_thread::get_id() != thread_.get_id()) thread_.join();
}

}  // namespace colony
