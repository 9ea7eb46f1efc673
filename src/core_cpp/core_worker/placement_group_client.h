// A driver's or worker's side of placement groups: the PlacementGroupService calls to the
// GCS (synchronous, retried while the GCS restarts), and the rewrite of a task's demand to
// its bundle's resources (common/bundle_resources.h), so that raylets and the GCS place it
// like any other work. Thread-safe (gRPC stubs are).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common.pb.h"
#include "common/status.h"
#include "gcs.grpc.pb.h"

namespace colony {

class PlacementGroupClient {
 public:
  PlacementGroupClient(const std::string& gcs_address, std::string token);

  // Fills namespace/creator job if unset; idempotent on the group id.
  Status Create(const rpc::PlacementGroupTableData& group);
  Status Remove(const std::string& pg_id, bool* found);
  // By id, or (id empty) by name in `ns`.
  Status Get(const std::string& pg_id, const std::string& name, const std::string& ns,
             rpc::PlacementGroupTableData* group, bool* found);
  Status GetAll(std::vector<rpc::PlacementGroupTableData>* groups);
  // Waits up to timeout_ms (< 0: forever) for the group to be CREATED; *ready says whether
  // it is. A removed or unknown group answers at once (ready=false).
  Status WaitReady(const std::string& pg_id, int64_t timeout_ms, bool* ready, bool* found);

 private:
  template <typename Request, typename Reply, typename Method>
  Status Call(Method method, const Request& request, Reply* reply, int64_t timeout_ms);

  std::unique_ptr<rpc::PlacementGroupService::Stub> stub_;
  std::string token_;
};

// The task runs in a placement group when its strategy is PLACEMENT_GROUP, or when it is
// DEFAULT and `captured` (the running task's group, if it captures child tasks) is one:
// its strategy becomes the group's and its resources the bundle's (any bundle, for an
// inherited group). Done once per spec: a spec already rewritten is left alone.
void ApplyPlacementGroup(rpc::TaskSpec* spec, const rpc::SchedulingStrategy& captured);

// What a task leaves its children: its strategy if it is a group that captures them.
rpc::SchedulingStrategy CapturedStrategy(const rpc::SchedulingStrategy& strategy);

}  // namespace colony
