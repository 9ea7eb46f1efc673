#include "core_worker/agent_client.h"

#include <google/protobuf/util/json_util.h>

#include "gcs.grpc.pb.h"
#include "raylet.grpc.pb.h"
#include "rpc/grpc_util.h"

namespace colony {
namespace {

Status Named(const std::string& what, Status status) {
  if (status.ok()) return status;
  return Status(status.code(), what + ": " + status.message());
}

}  // namespace

Status GetNodeStatsJson(const std::string& raylet_address, const std::string& token,
                        int64_t timeout_ms, std::string* json) {
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, token, timeout_ms);
  rpc::GetNodeStatsRequest request;
  rpc::GetNodeStatsReply reply;
  auto stub = rpc::NodeManagerService::NewStub(rpc::MakeChannel(raylet_address));
  COLONY_RETURN_IF_ERROR(Named("raylet " + raylet_address,
                               rpc::FromGrpcStatus(stub->GetNodeStats(&ctx, request, &reply))));
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_primitive_fields = true;
  auto converted = google::protobuf::util::MessageToJsonString(reply, json, options);
  if (!converted.ok()) {
    return Status(StatusCode::kInternal, "GetNodeStats reply to JSON: " + converted.ToString());
  }
  return Status::OK();
}

Status GcsKvPut(const std::string& gcs_address, const std::string& token, const std::string& ns,
                const std::string& key, const std::string& value, int64_t timeout_ms) {
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, token, timeout_ms);
  rpc::KvPutRequest request;
  request.set_ns(ns);
  request.set_key(key);
  request.set_value(value);
  request.set_overwrite(true);
  rpc::KvPutReply reply;
  auto stub = rpc::GcsService::NewStub(rpc::MakeChannel(gcs_address));
  return Named("GCS " + gcs_address, rpc::FromGrpcStatus(stub->KvPut(&ctx, request, &reply)));
}

}  // namespace colony
