// One node's daemon: owns the worker pool, the lease manager, the gRPC server and the
// GCS-facing reporters, and runs their start-up and shutdown in order.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "common/event_loop.h"
#include "common/status.h"
#include "core_worker.grpc.pb.h"
#include "object_store/plasma_store.h"
#include "raylet/cluster_view_updater.h"
#include "raylet/gcs_client.h"
#include "raylet/log_file_service.h"
#include "raylet/log_monitor.h"
#include "raylet/node_manager.h"
#include "raylet/node_manager_service.h"
#include "raylet/object_manager/object_manager.h"
#include "raylet/object_manager/object_rpc_handler.h"
#include "raylet/raylet_config.h"
#include "raylet/resource_reporter.h"
#include "raylet/resource_usage.h"
#include "raylet/runtime_env_agent_client.h"
#include "raylet/scheduling/cluster_view.h"
#include "raylet/scheduling/lease_manager.h"
#include "raylet/isolation/worker_isolation.h"
#include "raylet/worker_exit_log.h"
#include "raylet/worker_launcher.h"
#include "raylet/worker_log_index.h"
#include "raylet/worker_pool.h"
#include "raylet/worker_watcher.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {

class Raylet {
 public:
  // `request_exit(code)` asks the process to shut down (the GCS declared the node dead).
  Raylet(RayletConfig config, EventLoop* loop, std::function<void(int)> request_exit);

  // Before the loop runs: serves, registers with the GCS, writes the port file and starts
  // the periodic work.
  Status Start();
  // On the loop: answers waiting lease requests, kills every worker and, when
  // `unregister`, removes the node from the GCS.
  void Stop(bool unregister);
  // Off the loop, after Stop, while the loop still runs: stops serving (calls that were
  // already posted to the loop get their replies).
  void ShutdownServer();

  int port() const { return server_.port(); }

 private:
  rpc::NodeInfo BuildNodeInfo() const;
  Status WritePortFile() const;
  void StartPeriodicWork();
  void StartRuntimeEnvAgentClient();
  // Picks the workers' isolation and says once which (or that it is off, and why).
  void StartIsolation();
  // Tells the GCS (fire and forget) so it can restart or fail the worker's actor and the
  // actors the worker owned.
  void ReportWorkerExit(const WorkerExit& exit);
  void StopLogicalWorker(const rpc::Address& worker);
  void OnWatchedWorkerExit(const WorkerID& worker_id);
  void FreeObjectsOwnedBy(const WorkerID& worker_id);
  // The node's shared-memory object store, served from this process.
  Status StartObjectStore();

  RayletConfig config_;
  EventLoop* loop_;
  std::function<void(int)> request_exit_;
  GcsClient gcs_;
  ClusterView cluster_;
  // Cgroups of the workers (or none), chosen at start by --worker-isolation and the machine.
  std::unique_ptr<WorkerIsolation> isolation_;
  WorkerLauncher launcher_;
  WorkerPool pool_;
  ProcfsSource proc_source_;
  ResourceUsageSampler usage_sampler_;  // the workers' real use, sent with each report
  LeaseManager leases_;
  WorkerWatcher watcher_;
  NodeManager node_manager_;
  BundleResources bundles_;  // placement-group bundles, as resources of the lease manager
  std::unique_ptr<plasma::PlasmaStore> object_store_;
  // Builds runtime envs for the pool (the node's runtime-env agent); before pool_ ends.
  std::unique_ptr<RuntimeEnvAgentClient> env_agent_;
  ObjectManager object_manager_;
  ObjectRpcHandler object_rpcs_;
  WorkerExitLog exit_log_;  // why recent workers exited (GetWorkerFailureCause)
  NodeManagerGrpcService service_;
  ObjectManagerGrpcService object_service_;
  rpc::GrpcServer server_;
  ResourceReporter reporter_;
  ClusterViewUpdater updater_;
  // Worker output: tailed and published for drivers; the node's log files served.
  WorkerLogIndex log_index_;
  GcsLogSink log_sink_;
  LogMonitor log_monitor_;
  LogFileService log_service_;
};

}  // namespace colony::raylet
