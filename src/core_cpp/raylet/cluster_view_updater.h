// Keeps the ClusterView current: long-polls the GCS for node changes (joins, deaths) and
// refreshes every node's available resources from a snapshot each second.
#pragma once

#include <cstdint>

#include "common/event_loop.h"
#include "raylet/gcs_client.h"
#include "raylet/scheduling/cluster_view.h"

namespace colony::raylet {

class ClusterViewUpdater {
 public:
  static constexpr int64_t kRefreshMs = 1000;
  static constexpr int64_t kRetryMs = 1000;
  static constexpr int64_t kPollTimeoutMs = 30000;

  ClusterViewUpdater(GcsClient* gcs, EventLoop* loop, ClusterView* view)
      : gcs_(gcs), loop_(loop), view_(view) {}

  void Start();

 private:
  void Poll();
  void OnPoll(const Status& status, const rpc::PollNodeChangesReply& reply);
  void Refresh();

  GcsClient* gcs_;
  EventLoop* loop_;
  ClusterView* view_;
  int64_t after_sequence_ = 0;
  bool refresh_in_flight_ = false;
  bool poll_failing_ = false;
};

}  // namespace colony::raylet
