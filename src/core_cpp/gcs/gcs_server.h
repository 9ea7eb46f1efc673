// The GCS server: owns the event loop all GCS state lives on, the managers, and the gRPC
// server that routes GcsService calls to them. Example:
//   GcsServer server(options, std::make_unique<InMemoryStoreClient>());
//   COLONY_RETURN_IF_ERROR(server.Start());  // server.port() is now bound
//   ...
//   server.Stop();
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/event_loop.h"
#include "gcs.grpc.pb.h"
#include "gcs/gcs_actor_manager.h"
#include "gcs/gcs_actor_rpc_clients.h"
#include "gcs/gcs_actor_scheduler.h"
#include "gcs/gcs_health_checker.h"
#include "gcs/gcs_job_manager.h"
#include "gcs/gcs_kv_manager.h"
#include "gcs/gcs_node_change_publisher.h"
#include "gcs/gcs_node_manager.h"
#include "gcs/store_client.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {

struct GcsServerOptions {
  std::string bind_ip = "0.0.0.0";
  int port = 0;  // 0 picks a free port
  std::string cluster_token;  // empty disables the check
  int64_t health_check_timeout_ms = 5000;
  int64_t node_poll_timeout_ms = GcsNodeChangePublisher::kDefaultPollTimeoutMs;
  // When set, published in the KV (namespace "session", key "session_dir").
  std::string session_dir;
  GcsActorManagerOptions actor_manager;
  GcsActorSchedulerOptions actor_scheduler;
};

class GcsServiceImpl;

class GcsServer {
 public:
  GcsServer(GcsServerOptions options, std::unique_ptr<StoreClient> store);
  ~GcsServer();
  GcsServer(const GcsServer&) = delete;
  GcsServer& operator=(const GcsServer&) = delete;

  // Reloads state from the store, starts the loop thread and serves; port() is then bound.
  Status Start();
  // Answers held calls, stops serving and joins the loop; safe to call twice.
  void Stop();
  int port() const { return grpc_server_.port(); }

  // RPC handlers, run on the loop; each forwards to the manager that owns the state.
  void HandleRegisterNode(const rpc::RegisterNodeRequest& request, rpc::RegisterNodeReply* reply,
                          rpc::SendReply send_reply) {
    node_manager_.HandleRegisterNode(request, reply, std::move(send_reply));
  }
  void HandleUnregisterNode(const rpc::UnregisterNodeRequest& request,
                            rpc::UnregisterNodeReply* reply, rpc::SendReply send_reply) {
    node_manager_.HandleUnregisterNode(request, reply, std::move(send_reply));
  }
  void HandleGetAllNodeInfo(const rpc::GetAllNodeInfoRequest& request,
                            rpc::GetAllNodeInfoReply* reply, rpc::SendReply send_reply) {
    node_manager_.HandleGetAllNodeInfo(request, reply, std::move(send_reply));
  }
  void HandleReportResources(const rpc::ReportResourcesRequest& request,
                             rpc::ReportResourcesReply* reply, rpc::SendReply send_reply) {
    node_manager_.HandleReportResources(request, reply, std::move(send_reply));
  }
  void HandlePollNodeChanges(const rpc::PollNodeChangesRequest& request,
                             rpc::PollNodeChangesReply* reply, rpc::SendReply send_reply) {
    node_changes_.HandlePollNodeChanges(request, reply, std::move(send_reply));
  }
  void HandleAddJob(const rpc::AddJobRequest& request, rpc::AddJobReply* reply,
                    rpc::SendReply send_reply) {
    job_manager_.HandleAddJob(request, reply, std::move(send_reply));
  }
  void HandleMarkJobFinished(const rpc::MarkJobFinishedRequest& request,
                             rpc::MarkJobFinishedReply* reply, rpc::SendReply send_reply) {
    job_manager_.HandleMarkJobFinished(request, reply, std::move(send_reply));
  }
  void HandleGetAllJobInfo(const rpc::GetAllJobInfoRequest& request,
                           rpc::GetAllJobInfoReply* reply, rpc::SendReply send_reply) {
    job_manager_.HandleGetAllJobInfo(request, reply, std::move(send_reply));
  }
  void HandleKvPut(const rpc::KvPutRequest& request, rpc::KvPutReply* reply,
                   rpc::SendReply send_reply) {
    kv_manager_.HandleKvPut(request, reply, std::move(send_reply));
  }
  void HandleKvGet(const rpc::KvGetRequest& request, rpc::KvGetReply* reply,
                   rpc::SendReply send_reply) {
    kv_manager_.HandleKvGet(request, reply, std::move(send_reply));
  }
  void HandleKvDel(const rpc::KvDelRequest& request, rpc::KvDelReply* reply,
                   rpc::SendReply send_reply) {
    kv_manager_.HandleKvDel(request, reply, std::move(send_reply));
  }
  void HandleKvKeys(const rpc::KvKeysRequest& request, rpc::KvKeysReply* reply,
                    rpc::SendReply send_reply) {
    kv_manager_.HandleKvKeys(request, reply, std::move(send_reply));
  }
  void HandleRegisterActor(const rpc::RegisterActorRequest& request,
                           rpc::RegisterActorReply* reply, rpc::SendReply send_reply) {
    actor_manager_.HandleRegisterActor(request, reply, std::move(send_reply));
  }
  void HandleGetActorInfo(const rpc::GetActorInfoRequest& request, rpc::GetActorInfoReply* reply,
                          rpc::SendReply send_reply) {
    actor_manager_.HandleGetActorInfo(request, reply, std::move(send_reply));
  }
  void HandlePollActorState(const rpc::PollActorStateRequest& request,
                            rpc::PollActorStateReply* reply, rpc::SendReply send_reply) {
    actor_manager_.HandlePollActorState(request, reply, std::move(send_reply));
  }
  void HandleKillActor(const rpc::KillActorRequest& request, rpc::KillActorReply* reply,
                       rpc::SendReply send_reply) {
    actor_manager_.HandleKillActor(request, reply, std::move(send_reply));
  }
  void HandleListNamedActors(const rpc::ListNamedActorsRequest& request,
                             rpc::ListNamedActorsReply* reply, rpc::SendReply send_reply) {
    actor_manager_.HandleListNamedActors(request, reply, std::move(send_reply));
  }
  void HandleReportWorkerFailure(const rpc::ReportWorkerFailureRequest& request,
                                 rpc::ReportWorkerFailureReply* reply,
                                 rpc::SendReply send_reply) {
    actor_manager_.HandleReportWorkerFailure(request, reply, std::move(send_reply));
  }

 private:
  void WireManagers();
  void OnNodeTimedOut(const NodeID& node_id);
  Status LoadState();
  // Runs `fn` on the loop thread and waits for it.
  void RunOnLoop(std::function<void()> fn);

  GcsServerOptions options_;
  // The loop is declared first so it is destroyed last; Stop() joins it before anything
  // below goes away, so no handler or timer outlives the state it touches.
  EventLoop loop_;
  std::unique_ptr<StoreClient> store_;
  GcsNodeChangePublisher node_changes_;
  GcsNodeManager node_manager_;
  GcsHealthChecker health_checker_;
  GcsJobManager job_manager_;
  GcsKvManager kv_manager_;
  // Actors: the gRPC seams first, so they are destroyed (draining their calls) last.
  GrpcActorLeaseClient actor_lease_client_;
  GrpcActorTaskPusher actor_task_pusher_;
  GcsActorScheduler actor_scheduler_;
  GcsActorManager actor_manager_;
  std::unique_ptr<GcsServiceImpl> service_;
  rpc::GrpcServer grpc_server_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace colony::gcs
