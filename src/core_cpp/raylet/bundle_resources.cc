#include "raylet/bundle_resources.h"

#include "common/bundle_resources.h"
#include "common/id.h"
#include "common/logging.h"

namespace colony::raylet {
namespace {

std::map<std::string, double> ToStdMap(const google::protobuf::Map<std::string, double>& in) {
  return std::map<std::string, double>(in.begin(), in.end());
}

Status CheckBundle(const rpc::Bundle& bundle) {
  if (bundle.placement_group_id().empty() || bundle.index() < 0) {
    return Status::InvalidArgument("bundle needs a placement group id and an index >= 0");
  }
  for (const auto& [name, amount] : bundle.resources()) {
    COLONY_RETURN_IF_ERROR(ValidateResourceAmount("bundle resources", name, amount));
  }
  return Status::OK();
}

}  // namespace

void BundleResources::HandlePrepareBundleResources(
    const rpc::PrepareBundleResourcesRequest& request, rpc::PrepareBundleResourcesReply* reply,
    rpc::SendReply send) {
  ResourceSet wanted;
  std::map<Key, Held> fresh;
  for (const rpc::Bundle& bundle : request.bundles()) {
    Status valid = CheckBundle(bundle);
    if (!valid.ok()) return send(valid);
    Key key{bundle.placement_group_id(), bundle.index()};
    if (bundles_.count(key) || fresh.count(key)) continue;  // a repeated prepare
    Held held;
    held.reserved = ResourceSet::FromMap(ToStdMap(bundle.resources()));
    held.pg_hex = BytesToHex(reinterpret_cast<const uint8_t*>(bundle.placement_group_id().data()),
                             bundle.placement_group_id().size());
    wanted += held.reserved;
    fresh.emplace(key, std::move(held));
  }
  if (!leases_->Reserve(wanted)) {
    reply->set_success(false);
    reply->set_failure_message("node cannot reserve " + wanted.ToString() + ": " +
                               leases_->available().DescribeShortfall(wanted));
    return send(Status::OK());
  }
  for (auto& [key, held] : fresh) bundles_.emplace(key, std::move(held));
  reply->set_success(true);
  send(Status::OK());
}

void BundleResources::HandleCommitBundleResources(const rpc::CommitBundleResourcesRequest& request,
                                                  rpc::CommitBundleResourcesReply*,
                                                  rpc::SendReply send) {
  for (const rpc::Bundle& bundle : request.bundles()) {
    auto it = bundles_.find(Key{bundle.placement_group_id(), bundle.index()});
    if (it == bundles_.end()) {
      return send(Status::NotFound("bundle " + std::to_string(bundle.index()) +
                                   " of placement group was not prepared on this node"));
    }
    if (it->second.committed) continue;
    it->second.committed = true;
    leases_->AddCapacity(
        CommittedBundleResources(it->second.reserved.ToMap(), it->second.pg_hex, bundle.index()));
  }
  send(Status::OK());
}

void BundleResources::HandleCancelResourceReserve(const rpc::CancelResourceReserveRequest& request,
                                                  rpc::CancelResourceReserveReply*,
                                                  rpc::SendReply send) {
  for (const rpc::Bundle& bundle : request.bundles()) Cancel(bundle);
  send(Status::OK());
}

void BundleResources::Cancel(const rpc::Bundle& bundle) {
  auto it = bundles_.find(Key{bundle.placement_group_id(), bundle.index()});
  if (it == bundles_.end()) return;
  Held held = std::move(it->second);
  bundles_.erase(it);
  if (held.committed) {
    leases_->RemoveCapacity(
        CommittedBundleResources(held.reserved.ToMap(), held.pg_hex, bundle.index()),
        "placement group " + held.pg_hex + " bundle " + std::to_string(bundle.index()) +
            " was removed");
  }
  leases_->Unreserve(held.reserved);
}

}  // namespace colony::raylet
