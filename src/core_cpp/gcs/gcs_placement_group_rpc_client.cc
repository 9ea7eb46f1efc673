#include "gcs/gcs_placement_group_rpc_client.h"

namespace colony::gcs {
namespace {

// A raylet answers these at once; a dead one fails the call (and its node is declared
// dead by the health check), so a short deadline only guards a hung peer.
constexpr int64_t kBundleCallTimeoutMs = 10000;

template <typename Request>
Request WithBundles(const std::vector<rpc::Bundle>& bundles) {
  Request request;
  for (const rpc::Bundle& bundle : bundles) *request.add_bundles() = bundle;
  return request;
}

}  // namespace

rpc::NodeManagerService::Stub* GrpcBundleClient::StubFor(const rpc::Address& raylet) {
  std::string address = rpc::AddressToString(raylet);
  auto& stub = stubs_[address];
  if (!stub) stub = rpc::NodeManagerService::NewStub(rpc::MakeChannel(address));
  return stub.get();
}

void GrpcBundleClient::PrepareBundleResources(const rpc::Address& raylet,
                                              const std::vector<rpc::Bundle>& bundles,
                                              PrepareCallback callback) {
  auto* stub = StubFor(raylet);
  calls_.Call<rpc::PrepareBundleResourcesRequest, rpc::PrepareBundleResourcesReply>(
      WithBundles<rpc::PrepareBundleResourcesRequest>(bundles), kBundleCallTimeoutMs,
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->PrepareBundleResources(ctx, req, reply, std::move(done));
      },
      std::move(callback));
}

void GrpcBundleClient::CommitBundleResources(const rpc::Address& raylet,
                                             const std::vector<rpc::Bundle>& bundles,
                                             DoneCallback callback) {
  auto* stub = StubFor(raylet);
  calls_.Call<rpc::CommitBundleResourcesRequest, rpc::CommitBundleResourcesReply>(
      WithBundles<rpc::CommitBundleResourcesRequest>(bundles), kBundleCallTimeoutMs,
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->CommitBundleResources(ctx, req, reply, std::move(done));
      },
      std::function<void(Status, const rpc::CommitBundleResourcesReply&)>(
          [callback](Status status, const rpc::CommitBundleResourcesReply&) { callback(status); }));
}

void GrpcBundleClient::CancelResourceReserve(const rpc::Address& raylet,
                                             const std::vector<rpc::Bundle>& bundles,
                                             DoneCallback callback) {
  auto* stub = StubFor(raylet);
  calls_.Call<rpc::CancelResourceReserveRequest, rpc::CancelResourceReserveReply>(
      WithBundles<rpc::CancelResourceReserveRequest>(bundles), kBundleCallTimeoutMs,
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->CancelResourceReserve(ctx, req, reply, std::move(done));
      },
      std::function<void(Status, const rpc::CancelResourceReserveReply&)>(
          [callback](Status status, const rpc::CancelResourceReserveReply&) {
            if (callback) callback(status);
          }));
}

}  // namespace colony::gcs
