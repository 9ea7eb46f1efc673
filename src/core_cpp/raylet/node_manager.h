// Serves NodeManagerService: turns each RPC into calls on the lease manager and the
// worker pool, and routes worker deaths to the leases they held. Runs on the event loop.
#pragma once

#include <sys/types.h>

#include <functional>
#include <string>
#include <unordered_map>

#include "common/id.h"
#include "raylet.pb.h"
#include "raylet/scheduling/lease_manager.h"
#include "raylet/worker_pool.h"
#include "raylet/worker_watcher.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {

class NodeManager {
 public:
  // Granted leases' holders are watched with `watcher`; its exit listener is the owner's.
  NodeManager(NodeID node_id, LeaseManager* leases, WorkerPool* pool, WorkerWatcher* watcher);

  void HandleRequestWorkerLease(const rpc::RequestWorkerLeaseRequest& request,
                                rpc::RequestWorkerLeaseReply* reply, rpc::SendReply send);
  void HandleReturnWorker(const rpc::ReturnWorkerRequest& request, rpc::ReturnWorkerReply* reply,
                          rpc::SendReply send);
  void HandleRegisterWorker(const rpc::RegisterWorkerRequest& request,
                            rpc::RegisterWorkerReply* reply, rpc::SendReply send);
  void HandleNotifyWorkerBlocked(const rpc::NotifyWorkerBlockedRequest& request,
                                 rpc::NotifyWorkerBlockedReply* reply, rpc::SendReply send);
  void HandleCancelWorkerLease(const rpc::CancelWorkerLeaseRequest& request,
                               rpc::CancelWorkerLeaseReply* reply, rpc::SendReply send);
  void HandleJobFinished(const rpc::JobFinishedRequest& request, rpc::JobFinishedReply* reply,
                         rpc::SendReply send);
  void HandleGetNodeStats(const rpc::GetNodeStatsRequest& request, rpc::GetNodeStatsReply* reply,
                          rpc::SendReply send);

  // Answers every waiting lease request, refuses later ones and kills all workers.
  void Stop();

  // Drivers are not this raylet's children, so their exit is found by probing their pids
  // (periodically); each one gone is reported like a worker exit, so the GCS can end the
  // actors they owned even when the driver died without saying goodbye.
  void CheckDrivers();
  void SetDriverExitCallback(WorkerPool::ExitCallback callback) {
    on_driver_exit_ = std::move(callback);
  }
  size_t num_drivers() const { return drivers_.size(); }
  // Workers learn the node's object store from their registration reply.
  void SetObjectStoreSocket(std::string path) { plasma_socket_ = std::move(path); }
  // GetNodeStats asks this for the object store's figures (the store lives beside us).
  using StoreStatsSource = std::function<void(rpc::ObjectStoreStats*)>;
  void SetStoreStatsSource(StoreStatsSource source) { store_stats_ = std::move(source); }

 private:
  struct Driver {
    pid_t pid;
    JobID job_id;
  };

  NodeID node_id_;
  LeaseManager* leases_;
  WorkerPool* pool_;
  WorkerWatcher* watcher_;
  bool stopping_ = false;
  std::unordered_map<WorkerID, Driver> drivers_;
  WorkerPool::ExitCallback on_driver_exit_;
  std::string plasma_socket_;
  StoreStatsSource store_stats_;
};

}  // namespace colony::raylet
