#include "core_worker/log_client.h"

#include "common/id.h"
#include "raylet.grpc.pb.h"
#include "rpc/grpc_util.h"

namespace colony {
namespace {

constexpr int64_t kLogRpcTimeoutMs = 30000;

std::unique_ptr<rpc::LogService::Stub> StubFor(const std::string& address) {
  return rpc::LogService::NewStub(rpc::MakeChannel(address));
}

Status Named(const std::string& address, Status status) {
  if (status.ok()) return status;
  return Status(status.code(), "raylet " + address + ": " + status.message());
}

}  // namespace

Status ListNodeLogs(const std::string& raylet_address, const std::string& token,
                    NodeLogListing* out) {
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, token, kLogRpcTimeoutMs);
  rpc::ListLogsRequest request;
  rpc::ListLogsReply reply;
  COLONY_RETURN_IF_ERROR(Named(
      raylet_address, rpc::FromGrpcStatus(StubFor(raylet_address)->ListLogs(&ctx, request, &reply))));
  out->node_id_hex = NodeID::FromBinary(reply.node_id()).Hex();
  for (const auto& file : reply.files()) {
    out->files.push_back(NodeLogFile{file.name(), file.size(), file.modified_ms()});
  }
  for (const auto& worker : reply.workers()) {
    NodeWorkerLog w;
    w.pid = worker.pid();
    for (const auto& id : worker.worker_ids()) w.worker_ids_hex.push_back(WorkerID::FromBinary(id).Hex());
    w.job_id_hex = JobID::FromBinary(worker.job_id()).Hex();
    w.language = rpc::Language_Name(worker.language());
    w.out_file = worker.out_file();
    w.err_file = worker.err_file();
    w.started_ms = worker.started_ms();
    out->workers.push_back(std::move(w));
  }
  return Status::OK();
}

Status ReadNodeLog(const std::string& raylet_address, const std::string& token,
                   const std::string& name, int64_t offset, uint64_t max_bytes,
                   NodeLogChunk* out) {
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, token, kLogRpcTimeoutMs);
  rpc::ReadLogRequest request;
  request.set_name(name);
  request.set_offset(offset);
  request.set_max_bytes(max_bytes);
  rpc::ReadLogReply reply;
  COLONY_RETURN_IF_ERROR(Named(
      raylet_address, rpc::FromGrpcStatus(StubFor(raylet_address)->ReadLog(&ctx, request, &reply))));
  out->data = std::move(*reply.mutable_data());
  out->offset = reply.offset();
  out->size = reply.size();
  return Status::OK();
}

}  // namespace colony
