// Calls to the GCS's VirtualClusterService for the SDKs' admin API (colony vcluster, and
// colony.virtual_cluster): requests and replies cross the language boundary as JSON
// (protobuf's JSON mapping of gcs.proto), so a binding needs one function, not one per RPC.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "gcs.grpc.pb.h"

namespace colony {

class VirtualClusterClient {
 public:
  VirtualClusterClient(const std::string& gcs_address, std::string token);

  // `method`: CreateOrUpdateVirtualCluster, RemoveVirtualCluster or GetVirtualClusters.
  // InvalidArgument for an unknown method or JSON that is not its request; otherwise the
  // GCS's status (its message says what was wrong). With `retry`, an unreachable GCS is
  // retried for a while (a connected driver's GCS restarting); without (a CLI given an
  // address), the first failure is the answer, so a wrong address fails at once.
  Status Call(const std::string& method, const std::string& request_json,
              std::string* reply_json, bool retry = true);

 private:
  std::unique_ptr<rpc::VirtualClusterService::Stub> stub_;
  std::string token_;
};

}  // namespace colony

namespace colony {
// For bindings that cannot reach protobuf maps: one entry of the job's job cluster request.
inline void SetJobClusterReplicas(rpc::JobConfig* config, const std::string& node_type,
                                  int32_t count) {
  (*config->mutable_job_cluster_replica_sets())[node_type] = count;
}
}  // namespace colony
