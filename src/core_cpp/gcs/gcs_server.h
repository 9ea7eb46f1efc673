// The GCS server: owns the event loop all GCS state lives on, the managers, and the gRPC
// server that routes GcsService calls to them. Example:
//   GcsServer server(options, std::make_unique<InMemoryStoreClient>());
//   // or, for a store that needs the loop: GcsServer server(options, [](EventLoop* loop) {
//   //   return std::make_unique<RedisStoreClient>(loop, redis_options); });
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
#include "gcs/gcs_event_manager.h"
#include "gcs/gcs_health_checker.h"
#include "gcs/gcs_job_manager.h"
#include "gcs/gcs_kv_manager.h"
#include "gcs/gcs_log_publisher.h"
#include "gcs/gcs_node_change_publisher.h"
#include "gcs/gcs_node_manager.h"
#include "gcs/gcs_virtual_cluster_manager.h"
#include "gcs/gcs_virtual_cluster_nodes.h"
#include "gcs/gcs_placement_group_manager.h"
#include "gcs/gcs_placement_group_rpc_client.h"
#include "gcs/gcs_placement_group_scheduler.h"
#include "gcs/store/gcs_table_storage.h"
#include "gcs/store/store_client.h"
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
  // Bounded event buffers; log_dir defaults to <session_dir>/logs/events.
  GcsEventManagerOptions events;
};

class GcsServiceImpl;
class GcsVirtualClusterServiceImpl;
class GcsPlacementGroupServiceImpl;
class GcsEventServiceImpl;

class GcsServer {
 public:
  // Builds the store on the server's event loop (its callbacks run there).
  using StoreFactory = std::function<std::unique_ptr<StoreClient>(EventLoop*)>;
  GcsServer(GcsServerOptions options, StoreFactory make_store);
  GcsServer(GcsServerOptions options, std::unique_ptr<StoreClient> store);
  ~GcsServer();
  GcsServer(const GcsServer&) = delete;
  GcsServer& operator=(const GcsServer&) = delete;

  // Connects the store, reloads state from it on the loop and serves; port() is then bound.
  Status Start();
  // Answers held calls, stops serving and joins the loop; safe to call twice.
  void Stop();
  int port() const { return grpc_server_.port(); }

 private:
  friend class GcsServiceImpl;  // routes each RPC to the manager that owns its state
  friend class GcsVirtualClusterServiceImpl;
  friend class GcsPlacementGroupServiceImpl;
  friend class GcsEventServiceImpl;

  void WireManagers();
  // Lifecycle events where the managers change state (gcs_event_manager.h).
  void WireEvents();
  void OnNodeTimedOut(const NodeID& node_id);
  // Loads every table and hands it to the managers (on the loop); blocks until done.
  Status LoadState();
  Status ApplyState(const GcsInitData& data);
  // Runs `fn` on the loop thread and waits for it.
  void RunOnLoop(std::function<void()> fn);

  GcsServerOptions options_;
  // The loop is declared first so it is destroyed last; Stop() joins it before anything
  // below goes away, so no handler or timer outlives the state it touches.
  EventLoop loop_;
  std::unique_ptr<StoreClient> store_;
  GcsTableStorage storage_;
  GcsNodeChangePublisher node_changes_;
  GcsNodeManager node_manager_;
  GcsHealthChecker health_checker_;
  GcsJobManager job_manager_;
  GcsKvManager kv_manager_;
  GcsLogPublisher logs_;
  // Actors: the gRPC seams first, so they are destroyed (draining their calls) last.
  GrpcActorLeaseClient actor_lease_client_;
  GrpcActorTaskPusher actor_task_pusher_;
  GcsActorScheduler actor_scheduler_;
  GcsActorManager actor_manager_;
  // Placement groups: the gRPC seam first, so it is destroyed (draining its calls) last.
  GrpcBundleClient pg_bundle_client_;
  GcsPlacementGroupScheduler pg_scheduler_;
  GcsPlacementGroupManager pg_manager_;
  std::unique_ptr<GcsPlacementGroupServiceImpl> pg_service_;
  GcsVirtualClusterNodes virtual_cluster_nodes_;
  GcsVirtualClusterManager virtual_clusters_;
  std::unique_ptr<GcsVirtualClusterServiceImpl> virtual_cluster_service_;
  GcsEventManager events_;
  std::unique_ptr<GcsServiceImpl> service_;
  std::unique_ptr<GcsEventServiceImpl> event_service_;
  rpc::GrpcServer grpc_server_;
  bool started_ = false;
  bool stopped_ = false;
};

}  // namespace colony::gcs
