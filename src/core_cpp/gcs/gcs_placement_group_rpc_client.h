// The gRPC implementation of the placement-group scheduler's seam: the raylets' bundle
// calls (NodeManagerService.PrepareBundleResources / CommitBundleResources /
// CancelResourceReserve), completions posted onto the GCS loop.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "gcs/gcs_actor_rpc_clients.h"  // LoopCallTracker
#include "gcs/gcs_placement_group_scheduler.h"
#include "raylet.grpc.pb.h"

namespace colony::gcs {

class GrpcBundleClient : public BundleClient {
 public:
  GrpcBundleClient(EventLoop* loop, std::string token) : calls_(loop, std::move(token)) {}

  void PrepareBundleResources(const rpc::Address& raylet, const std::vector<rpc::Bundle>& bundles,
                              PrepareCallback callback) override;
  void CommitBundleResources(const rpc::Address& raylet, const std::vector<rpc::Bundle>& bundles,
                             DoneCallback callback) override;
  void CancelResourceReserve(const rpc::Address& raylet, const std::vector<rpc::Bundle>& bundles,
                             DoneCallback callback) override;

 private:
  rpc::NodeManagerService::Stub* StubFor(const rpc::Address& raylet);  // loop thread only

  std::map<std::string, std::unique_ptr<rpc::NodeManagerService::Stub>> stubs_;
  LoopCallTracker calls_;  // declared last: destroyed (and drained) before the stubs
};

}  // namespace colony::gcs
