#include "core_worker/virtual_cluster_client.h"

#include <google/protobuf/util/json_util.h>

#include "rpc/gcs_retry.h"
#include "rpc/grpc_util.h"

namespace colony {
namespace {

constexpr int64_t kTimeoutMs = 30000;

template <typename Request, typename Reply, typename Method>
Status CallJson(rpc::VirtualClusterService::Stub* stub, const std::string& token, Method method,
                const std::string& request_json, std::string* reply_json, bool retry) {
  Request request;
  google::protobuf::util::JsonParseOptions parse;
  auto parsed = google::protobuf::util::JsonStringToMessage(request_json, &request, parse);
  if (!parsed.ok()) {
    return Status::InvalidArgument("bad " + Request::descriptor()->name() + ": " +
                                   std::string(parsed.message()));
  }
  Reply reply;
  auto attempt = [&](int64_t timeout_ms) {
    reply.Clear();
    grpc::ClientContext ctx;
    rpc::PrepareClientContext(&ctx, token, timeout_ms);
    return rpc::FromGrpcStatus((stub->*method)(&ctx, request, &reply));
  };
  if (retry) {
    COLONY_RETURN_IF_ERROR(rpc::RetryGcsCall(Request::descriptor()->name(), attempt, kTimeoutMs));
  } else {
    Status status = attempt(kTimeoutMs);
    if (rpc::IsGcsUnavailable(status)) {
      return Status(status.code(), "cannot reach the GCS: " + status.message());
    }
    COLONY_RETURN_IF_ERROR(status);
  }
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  auto printed = google::protobuf::util::MessageToJsonString(reply, reply_json, print);
  if (!printed.ok()) return Status::Internal(std::string(printed.message()));
  return Status::OK();
}

}  // namespace

VirtualClusterClient::VirtualClusterClient(const std::string& gcs_address, std::string token)
    : stub_(rpc::VirtualClusterService::NewStub(rpc::MakeChannel(gcs_address))),
      token_(std::move(token)) {}

Status VirtualClusterClient::Call(const std::string& method, const std::string& request_json,
                                  std::string* reply_json, bool retry) {
  using Stub = rpc::VirtualClusterService::Stub;
  if (method == "CreateOrUpdateVirtualCluster") {
    return CallJson<rpc::CreateOrUpdateVirtualClusterRequest,
                    rpc::CreateOrUpdateVirtualClusterReply>(
        stub_.get(), token_, &Stub::CreateOrUpdateVirtualCluster, request_json, reply_json, retry);
  }
  if (method == "RemoveVirtualCluster") {
    return CallJson<rpc::RemoveVirtualClusterRequest, rpc::RemoveVirtualClusterReply>(
        stub_.get(), token_, &Stub::RemoveVirtualCluster, request_json, reply_json, retry);
  }
  if (method == "GetVirtualClusters") {
    return CallJson<rpc::GetVirtualClustersRequest, rpc::GetVirtualClustersReply>(
        stub_.get(), token_, &Stub::GetVirtualClusters, request_json, reply_json, retry);
  }
  return Status::InvalidArgument("unknown virtual cluster method '" + method + "'");
}

}  // namespace colony
