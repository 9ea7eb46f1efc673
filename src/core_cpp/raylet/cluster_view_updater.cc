#include "raylet/cluster_view_updater.h"

#include "common/logging.h"

namespace colony::raylet {

void ClusterViewUpdater::Start() {
  Poll();
  Refresh();
  loop_->PostPeriodic([this] { Refresh(); }, kRefreshMs);
}

void ClusterViewUpdater::Poll() {
  gcs_->PollNodeChanges(after_sequence_, kPollTimeoutMs,
                        [this](Status status, rpc::PollNodeChangesReply&& reply) {
                          OnPoll(status, reply);
                        });
}

void ClusterViewUpdater::OnPoll(const Status& status, const rpc::PollNodeChangesReply& reply) {
  if (status.code() == StatusCode::kCancelled) return;  // shutting down
  if (status.code() == StatusCode::kTimedOut) {
    Poll();  // the long poll simply saw no change in time
    return;
  }
  if (!status.ok()) {
    if (!poll_failing_) {
      COLONY_LOG(WARNING) << "PollNodeChanges at " << gcs_->address()
                          << " failed, retrying every " << kRetryMs << " ms: " << status.ToString();
    }
    poll_failing_ = true;
    loop_->PostDelayed([this] { Poll(); }, kRetryMs);
    return;
  }
  poll_failing_ = false;
  for (const auto& node : reply.changed()) {
    COLONY_LOG(DEBUG) << "node " << NodeID::FromBinary(node.node_id()).Hex()
                      << (node.alive() ? " alive" : " dead");
    view_->UpdateNode(node);
  }
  after_sequence_ = reply.sequence();
  if (reply.changed().empty()) {
    loop_->PostDelayed([this] { Poll(); }, 100);  // never spin on a GCS that answers at once
  } else {
    Poll();
  }
}

void ClusterViewUpdater::Refresh() {
  if (refresh_in_flight_) return;
  refresh_in_flight_ = true;
  gcs_->GetAllNodeInfo(kRefreshMs * 2, [this](Status status, rpc::GetAllNodeInfoReply&& reply) {
    refresh_in_flight_ = false;
    if (!status.ok()) return;  // the reporter already logs an unreachable GCS
    for (const auto& node : reply.nodes()) view_->UpdateNode(node);
  });
}

}  // namespace colony::raylet
