#include "gcs/gcs_health_checker.h"

#include <algorithm>
#include <vector>

#include "common/logging.h"

namespace colony::gcs {

void GcsHealthChecker::Start() {
  // Several checks per timeout keep detection close to the timeout without busy polling.
  int64_t period_ms = std::clamp<int64_t>(timeout_ms_ / 5, 10, 1000);
  loop_->PostPeriodic([this]() { CheckAll(); }, period_ms);
}

void GcsHealthChecker::ReportAlive(const NodeID& node_id) {
  last_seen_[node_id] = EventLoop::Clock::now();
}

void GcsHealthChecker::CheckAll() {
  auto deadline = EventLoop::Clock::now() - std::chrono::milliseconds(timeout_ms_);
  std::vector<NodeID> expired;
  for (const auto& [node_id, seen] : last_seen_) {
    if (seen < deadline) expired.push_back(node_id);
  }
  // Erase first: the callback may call back into Remove.
  for (const auto& node_id : expired) last_seen_.erase(node_id);
  for (const auto& node_id : expired) {
    COLONY_LOG(WARNING) << "node " << node_id.Hex() << " missed heartbeats for "
                        << timeout_ms_ << " ms";
    on_timeout_(node_id);
  }
}

}  // namespace colony::gcs
