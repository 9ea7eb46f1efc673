// Tells the GCS this node's total and available resources: soon after each change (at
// most one report per 100 ms) and every second as the node's heartbeat.
#pragma once

#include <cstdint>
#include <functional>

#include "common/event_loop.h"
#include "common/id.h"
#include "raylet/gcs_client.h"
#include "raylet/scheduling/lease_manager.h"

namespace colony::raylet {

class ResourceReporter {
 public:
  static constexpr int64_t kMinIntervalMs = 100;
  static constexpr int64_t kHeartbeatMs = 1000;

  // `on_node_unknown` runs when the GCS no longer knows this node (it declared it dead).
  ResourceReporter(GcsClient* gcs, EventLoop* loop, NodeID node_id, const LeaseManager* leases,
                   std::function<void()> on_node_unknown);

  void Start();
  // Where each report's ResourceUsage comes from (none: reports carry no usage).
  void set_usage_source(std::function<rpc::ResourceUsage()> usage) { usage_ = std::move(usage); }
  // Schedules a report, coalescing changes that come in quick succession.
  void MarkChanged();

 private:
  void Send();
  void OnReply(const Status& status, const rpc::ReportResourcesReply& reply);

  GcsClient* gcs_;
  EventLoop* loop_;
  NodeID node_id_;
  const LeaseManager* leases_;
  std::function<void()> on_node_unknown_;
  std::function<rpc::ResourceUsage()> usage_;

  int64_t last_sent_ms_ = 0;
  bool scheduled_ = false;
  // One report in flight at a time, so the GCS never sees an older snapshot last.
  bool in_flight_ = false;
  bool changed_while_in_flight_ = false;
  bool gcs_reachable_ = true;
  bool first_report_ = true;
  bool node_unknown_ = false;
};

}  // namespace colony::raylet
