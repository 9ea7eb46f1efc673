#include "raylet/resource_reporter.h"

#include <algorithm>
#include <chrono>

#include "common/logging.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {
namespace {

constexpr int64_t kReportTimeoutMs = 2000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

ResourceReporter::ResourceReporter(GcsClient* gcs, EventLoop* loop, NodeID node_id,
                                   const LeaseManager* leases,
                                   std::function<void()> on_node_unknown)
    : gcs_(gcs),
      loop_(loop),
      node_id_(node_id),
      leases_(leases),
      on_node_unknown_(std::move(on_node_unknown)) {}

void ResourceReporter::Start() {
  Send();
  // Checked more often than the heartbeat period so a report sent for a change also
  // counts as the heartbeat without stretching the gap between heartbeats.
  loop_->PostPeriodic(
      [this] {
        if (NowMs() - last_sent_ms_ >= kHeartbeatMs) Send();
      },
      kHeartbeatMs / 4);
}

void ResourceReporter::MarkChanged() {
  if (in_flight_) {
    changed_while_in_flight_ = true;
    return;
  }
  if (scheduled_) return;
  scheduled_ = true;
  int64_t delay = std::max<int64_t>(0, last_sent_ms_ + kMinIntervalMs - NowMs());
  loop_->PostDelayed(
      [this] {
        scheduled_ = false;
        Send();
      },
      delay);
}

void ResourceReporter::Send() {
  if (node_unknown_) return;
  if (in_flight_) {
    changed_while_in_flight_ = true;
    return;
  }
  in_flight_ = true;
  changed_while_in_flight_ = false;
  last_sent_ms_ = NowMs();
  rpc::ReportResourcesRequest request;
  request.set_node_id(node_id_.Binary());
  rpc::ResourcesToProto(leases_->available(), request.mutable_resources_available());
  rpc::ResourcesToProto(leases_->total(), request.mutable_resources_total());
  if (usage_) *request.mutable_usage() = usage_();
  gcs_->ReportResources(std::move(request), kReportTimeoutMs,
                        [this](Status status, rpc::ReportResourcesReply&& reply) {
                          OnReply(status, reply);
                        });
}

void ResourceReporter::OnReply(const Status& status, const rpc::ReportResourcesReply& reply) {
  in_flight_ = false;
  if (status.ok() && reply.node_unknown()) {
    node_unknown_ = true;
    COLONY_LOG(ERROR) << "the GCS at " << gcs_->address() << " does not know node "
                      << node_id_.Hex() << " any more (declared dead); exiting";
    on_node_unknown_();
    return;
  }
  if (!status.ok()) {
    if (gcs_reachable_) {
      COLONY_LOG(WARNING) << "cannot report resources to the GCS at " << gcs_->address() << ": "
                          << status.ToString();
    }
    gcs_reachable_ = false;
  } else {
    if (!gcs_reachable_) {
      COLONY_LOG(INFO) << "GCS at " << gcs_->address() << " reachable again";
    }
    if (first_report_) {
      COLONY_LOG(INFO) << "first resource report (heartbeat) accepted by the GCS";
      first_report_ = false;
    }
    COLONY_LOG(DEBUG) << "heartbeat: available " << leases_->available().ToString();
    gcs_reachable_ = true;
  }
  if (changed_while_in_flight_) MarkChanged();
}

}  // namespace colony::raylet
