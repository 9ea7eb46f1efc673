// This node's side of placement groups: the GCS's two-phase commit of bundles.
// Prepare reserves a bundle's resources out of what is free (all bundles of a request, or
// none); commit makes the reservation resources of their own under the bundle's names
// (common/bundle_resources.h), which the lease manager grants like any other and which
// the resource reports carry to the other raylets and the GCS; cancel gives a bundle back
// in either state, ending the leases that use it. Every call is idempotent, so the GCS
// may repeat them (after a timeout, or a restart). Runs on the raylet loop.
#pragma once

#include <map>
#include <string>
#include <utility>

#include "raylet.pb.h"
#include "raylet/scheduling/lease_manager.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {

class BundleResources {
 public:
  explicit BundleResources(LeaseManager* leases) : leases_(leases) {}

  void HandlePrepareBundleResources(const rpc::PrepareBundleResourcesRequest& request,
                                    rpc::PrepareBundleResourcesReply* reply, rpc::SendReply send);
  void HandleCommitBundleResources(const rpc::CommitBundleResourcesRequest& request,
                                   rpc::CommitBundleResourcesReply* reply, rpc::SendReply send);
  void HandleCancelResourceReserve(const rpc::CancelResourceReserveRequest& request,
                                   rpc::CancelResourceReserveReply* reply, rpc::SendReply send);

  size_t num_bundles() const { return bundles_.size(); }

 private:
  using Key = std::pair<std::string, int>;  // placement group id (binary), bundle index
  struct Held {
    ResourceSet reserved;   // taken from the node's free resources at prepare
    bool committed = false;
    std::string pg_hex;
  };

  void Cancel(const rpc::Bundle& bundle);

  LeaseManager* leases_;
  std::map<Key, Held> bundles_;
};

}  // namespace colony::raylet
