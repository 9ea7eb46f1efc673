#include "core_worker/placement_group_client.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "common/bundle_resources.h"
#include "common/id.h"
#include "rpc/gcs_retry.h"
#include "rpc/grpc_util.h"

namespace colony {
namespace {

constexpr int64_t kCallTimeoutMs = 30000;
// A wait is held by the GCS for at most this long per call, well within the deadline.
constexpr int64_t kWaitSliceMs = 10000;

}  // namespace

PlacementGroupClient::PlacementGroupClient(const std::string& gcs_address, std::string token)
    : stub_(rpc::PlacementGroupService::NewStub(rpc::MakeChannel(gcs_address))),
      token_(std::move(token)) {}

template <typename Request, typename Reply, typename Method>
Status PlacementGroupClient::Call(Method method, const Request& request, Reply* reply,
                                  int64_t timeout_ms) {
  return rpc::RetryGcsCall(
      Request::descriptor()->name(),
      [&](int64_t attempt_ms) {
        reply->Clear();
        grpc::ClientContext ctx;
        rpc::PrepareClientContext(&ctx, token_, attempt_ms);
        return rpc::FromGrpcStatus((stub_.get()->*method)(&ctx, request, reply));
      },
      timeout_ms);
}

Status PlacementGroupClient::Create(const rpc::PlacementGroupTableData& group) {
  rpc::CreatePlacementGroupRequest request;
  *request.mutable_placement_group() = group;
  rpc::CreatePlacementGroupReply reply;
  return Call(&rpc::PlacementGroupService::Stub::CreatePlacementGroup, request, &reply,
              kCallTimeoutMs);
}

Status PlacementGroupClient::Remove(const std::string& pg_id, bool* found) {
  rpc::RemovePlacementGroupRequest request;
  request.set_placement_group_id(pg_id);
  rpc::RemovePlacementGroupReply reply;
  COLONY_RETURN_IF_ERROR(Call(&rpc::PlacementGroupService::Stub::RemovePlacementGroup, request,
                              &reply, kCallTimeoutMs));
  *found = reply.found();
  return Status::OK();
}

Status PlacementGroupClient::Get(const std::string& pg_id, const std::string& name,
                                 const std::string& ns, rpc::PlacementGroupTableData* group,
                                 bool* found) {
  rpc::GetPlacementGroupRequest request;
  request.set_placement_group_id(pg_id);
  request.set_name(name);
  request.set_namespace_(ns);
  rpc::GetPlacementGroupReply reply;
  COLONY_RETURN_IF_ERROR(Call(&rpc::PlacementGroupService::Stub::GetPlacementGroup, request,
                              &reply, kCallTimeoutMs));
  *found = reply.found();
  *group = reply.placement_group();
  return Status::OK();
}

Status PlacementGroupClient::GetAll(std::vector<rpc::PlacementGroupTableData>* groups) {
  rpc::GetAllPlacementGroupRequest request;
  rpc::GetAllPlacementGroupReply reply;
  COLONY_RETURN_IF_ERROR(Call(&rpc::PlacementGroupService::Stub::GetAllPlacementGroup, request,
                              &reply, kCallTimeoutMs));
  groups->assign(reply.placement_groups().begin(), reply.placement_groups().end());
  return Status::OK();
}

Status PlacementGroupClient::WaitReady(const std::string& pg_id, int64_t timeout_ms, bool* ready,
                                       bool* found) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    int64_t left = timeout_ms < 0
                       ? kWaitSliceMs
                       : std::chrono::duration_cast<std::chrono::milliseconds>(
                             deadline - std::chrono::steady_clock::now())
                             .count();
    rpc::WaitPlacementGroupUntilReadyRequest request;
    request.set_placement_group_id(pg_id);
    request.set_timeout_ms(std::max<int64_t>(0, std::min(left, kWaitSliceMs)));
    rpc::WaitPlacementGroupUntilReadyReply reply;
    COLONY_RETURN_IF_ERROR(Call(&rpc::PlacementGroupService::Stub::WaitPlacementGroupUntilReady,
                                request, &reply, kCallTimeoutMs));
    *found = reply.found();
    *ready = reply.ready();
    bool settled = !reply.found() || reply.ready() ||
                   reply.placement_group().state() == rpc::PlacementGroupTableData::REMOVED;
    if (settled || (timeout_ms >= 0 && left <= kWaitSliceMs)) return Status::OK();
  }
}

rpc::SchedulingStrategy CapturedStrategy(const rpc::SchedulingStrategy& strategy) {
  if (strategy.kind() == rpc::SchedulingStrategy::PLACEMENT_GROUP &&
      strategy.capture_child_tasks()) {
    return strategy;
  }
  return rpc::SchedulingStrategy();
}

void ApplyPlacementGroup(rpc::TaskSpec* spec, const rpc::SchedulingStrategy& captured) {
  rpc::SchedulingStrategy* strategy = spec->mutable_scheduling_strategy();
  if (strategy->kind() == rpc::SchedulingStrategy::DEFAULT &&
      captured.kind() == rpc::SchedulingStrategy::PLACEMENT_GROUP) {
    *strategy = captured;
    strategy->set_bundle_index(-1);  // children may use any bundle of the group
  }
  if (strategy->kind() != rpc::SchedulingStrategy::PLACEMENT_GROUP) return;
  const std::string& id = strategy->placement_group_id();
  std::string pg_hex = BytesToHex(reinterpret_cast<const uint8_t*>(id.data()), id.size());
  std::string marker = WildcardResourceName(kBundleMarker, pg_hex);
  for (const auto& [name, amount] : spec->resources()) {
    if (name.rfind(marker, 0) == 0) return;  // rewritten already (a resubmission)
  }
  std::map<std::string, double> demand(spec->resources().begin(), spec->resources().end());
  spec->clear_resources();
  for (const auto& [name, amount] : DemandInBundle(demand, pg_hex, strategy->bundle_index())) {
    (*spec->mutable_resources())[name] = amount;
  }
}

}  // namespace colony
