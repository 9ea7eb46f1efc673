// Declares a node dead when it has not been heard from (registration or resource report)
// within the timeout. Checks periodically on the GCS event loop; it must outlive the
// loop's Run.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "common/event_loop.h"
#include "common/id.h"

namespace colony::gcs {

class GcsHealthChecker {
 public:
  using TimeoutCallback = std::function<void(const NodeID&)>;

  GcsHealthChecker(EventLoop* loop, int64_t timeout_ms, TimeoutCallback on_timeout)
      : loop_(loop), timeout_ms_(timeout_ms), on_timeout_(std::move(on_timeout)) {}

  // Starts the periodic check; call once.
  void Start();
  // Starts or refreshes tracking of `node_id`.
  void ReportAlive(const NodeID& node_id);
  // Stops tracking a node that is gone for another reason.
  void Remove(const NodeID& node_id) { last_seen_.erase(node_id); }
  size_t num_tracked() const { return last_seen_.size(); }

 private:
  void CheckAll();

  EventLoop* loop_;
  int64_t timeout_ms_;
  TimeoutCallback on_timeout_;
  std::map<NodeID, EventLoop::Clock::time_point> last_seen_;
};

}  // namespace colony::gcs
