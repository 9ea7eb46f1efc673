// A single-threaded executor: handlers posted here run one at a time, in order, so the
// state they touch needs no locks (the GCS's and raylet's main loop, the core worker's io loop).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <thread>
#include <vector>

#include "common/mutex.h"

namespace colony {

class EventLoop {
 public:
  using Handler = std::function<void()>;
  using Clock = std::chrono::steady_clock;

  EventLoop() = default;
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void Post(Handler handler);
  // Runs `handler` once after `delay_ms`.
  void PostDelayed(Handler handler, int64_t delay_ms);
  // Runs `handler` every `period_ms` until the loop stops.
  void PostPeriodic(std::function<void()> handler, int64_t period_ms);

  // Runs handlers on the calling thread until Stop().
  void Run();
  // Runs handlers on a thread owned by the loop.
  void StartThread(const char* name);
  void Stop();
  bool IsLoopThread() const { return std::this_thread::get_id() == loop_thread_id_; }

  // For tests that drive a loop by hand (no thread runs it): runs, on the calling thread,
  // the posted handlers and the delayed ones that are due, including those they post,
  // until none is left; returns how many ran.
  size_t RunPending();
  // For tests: stops the loop's clock; from then on only AdvanceTime moves it, so delayed
  // handlers come due exactly when the test says, however slow the machine.
  void FreezeTime();
  // For tests: moves the loop's clock `ms` forward.
  void AdvanceTime(int64_t ms);

 private:
  Mutex mu_;
  std::condition_variable cv_;
  std::deque<Handler> queue_ COLONY_GUARDED_BY(mu_);
  std::multimap<Clock::time_point, Handler> timers_ COLONY_GUARDED_BY(mu_);
  std::vector<std::shared_ptr<Handler>> periodic_ COLONY_GUARDED_BY(mu_);
  bool stopped_ COLONY_GUARDED_BY(mu_) = false;
  std::thread thread_;
  std::thread::id loop_thread_id_;
  // The loop's clock: the steady clock unless a test froze it.
  Clock::time_point Now() const COLONY_REQUIRES(mu_) { return frozen_ ? frozen_now_ : Clock::now(); }
  bool frozen_ COLONY_GUARDED_BY(mu_) = false;
  Clock::time_point frozen_now_ COLONY_GUARDED_BY(mu_);
};

}  // namespace colony
