// LogService: the node's log files for `colony logs` (any process's log, from any node).
// Runs on the gRPC thread that received the call (file reads never touch the raylet's
// loop). Only plain file names of the session's logs/ folder are served.
#pragma once

#include <string>
#include <utility>

#include "common/id.h"
#include "raylet.grpc.pb.h"
#include "raylet/worker_log_index.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {

class LogFileService final : public rpc::LogService::CallbackService {
 public:
  static constexpr uint64_t kMaxReadBytes = 1 << 20;

  LogFileService(std::string logs_dir, NodeID node_id, std::string token)
      : logs_dir_(std::move(logs_dir)),
        node_id_(node_id),
        token_(std::move(token)),
        index_(logs_dir_ + "/workers.index") {}

  // The handlers, also called directly by tests.
  Status List(rpc::ListLogsReply* reply) const;
  Status Read(const rpc::ReadLogRequest& request, rpc::ReadLogReply* reply) const;

  grpc::ServerUnaryReactor* ListLogs(grpc::CallbackServerContext* ctx,
                                     const rpc::ListLogsRequest* request,
                                     rpc::ListLogsReply* reply) override;
  grpc::ServerUnaryReactor* ReadLog(grpc::CallbackServerContext* ctx,
                                    const rpc::ReadLogRequest* request,
                                    rpc::ReadLogReply* reply) override;

 private:
  std::string logs_dir_;
  NodeID node_id_;
  std::string token_;
  WorkerLogIndex index_;
};

}  // namespace colony::raylet
