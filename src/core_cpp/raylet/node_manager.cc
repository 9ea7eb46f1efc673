#include "raylet/node_manager.h"

#include <signal.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <utility>
#include <vector>

#include "common/logging.h"

namespace colony::raylet {
namespace {

Status ParseLeaseRequest(const rpc::RequestWorkerLeaseRequest& request, LeaseRequest* out) {
  if (!JobID::IsValidBinary(request.job_id())) {
    return Status::InvalidArgument("job_id must be " + std::to_string(JobID::kSize) + " bytes");
  }
  for (const auto& [name, amount] : request.resources()) {
    if (!std::isfinite(amount) || amount < 0) {
      return Status::InvalidArgument("resource " + name + " must be a finite amount >= 0");
    }
  }
  out->job_id = JobID::FromBinary(request.job_id());
  out->language = request.language();
  out->resources = rpc::ResourcesFromProto(request.resources());
  out->task_id = request.task_id();
  out->grant_or_reject = request.grant_or_reject();
  out->detached_actor = request.detached_actor();
  out->jvm_options.assign(request.jvm_options().begin(), request.jvm_options().end());
  out->strategy = request.scheduling_strategy();
  if (request.runtime_env_json().empty() != request.runtime_env_hash().empty()) {
    return Status::InvalidArgument("runtime_env_json and runtime_env_hash go together");
  }
  out->runtime_env_json = request.runtime_env_json();
  out->runtime_env_hash = request.runtime_env_hash();
  if (WorkerID::IsValidBinary(request.lessee().worker_id())) {
    out->lessee = WorkerID::FromBinary(request.lessee().worker_id());
  }
  return Status::OK();
}

}  // namespace

NodeManager::NodeManager(NodeID node_id, LeaseManager* leases, WorkerPool* pool,
                         WorkerWatcher* watcher)
    : node_id_(node_id), leases_(leases), pool_(pool), watcher_(watcher) {
  pool_->SetLeasedWorkerDeathCallback(
      [this](const WorkerID& worker_id) { leases_->OnWorkerDied(worker_id); });
}

void NodeManager::HandleRequestWorkerLease(const rpc::RequestWorkerLeaseRequest& request,
                                           rpc::RequestWorkerLeaseReply* reply,
                                           rpc::SendReply send) {
  // A raylet going away answers UNAVAILABLE, as if it were gone already: the requester
  // (a task owner, or the GCS for an actor) tries again elsewhere. A failure_message would
  // fail the tasks for good whatever their max_retries.
  if (stopping_) {
    send(Status::Unavailable("raylet is shutting down"));
    return;
  }
  LeaseRequest lease;
  Status status = ParseLeaseRequest(request, &lease);
  if (!status.ok()) {
    send(status);
    return;
  }
  // The reply and the call stay alive until `send` runs, however long the lease waits.
  leases_->RequestLease(std::move(lease), [this, lessee = request.lessee(), reply,
                                           send = std::move(send)](
                                              const rpc::RequestWorkerLeaseReply& r) {
    if (!r.lease_id().empty()) watcher_->Watch(lessee);  // no-op without a lessee
    if (stopping_ && r.lease_id().empty()) {  // canceled by Stop(): see above
      send(Status::Unavailable("raylet is shutting down"));
      return;
    }
    *reply = r;
    send(Status::OK());
  });
}

void NodeManager::HandleReturnWorker(const rpc::ReturnWorkerRequest& request,
                                     rpc::ReturnWorkerReply*, rpc::SendReply send) {
  if (!LeaseID::IsValidBinary(request.lease_id())) {
    send(Status::InvalidArgument("lease_id must be " + std::to_string(LeaseID::kSize) + " bytes"));
    return;
  }
  // An unknown lease already ended (its worker died); returning it again is harmless.
  if (!leases_->ReturnLease(LeaseID::FromBinary(request.lease_id()), request.disconnect_worker())) {
    COLONY_LOG(DEBUG) << "ReturnWorker for unknown lease "
                      << LeaseID::FromBinary(request.lease_id()).Hex();
  }
  send(Status::OK());
}

void NodeManager::HandleRegisterWorker(const rpc::RegisterWorkerRequest& request,
                                       rpc::RegisterWorkerReply* reply, rpc::SendReply send) {
  reply->set_node_id(node_id_.Binary());
  reply->set_plasma_socket(plasma_socket_);
  if (request.is_driver()) {
    // Drivers lease workers but are never leased themselves; only their exit matters.
    COLONY_LOG(INFO) << "driver pid " << request.pid() << " of job "
                     << JobID::FromBinary(request.job_id()).Hex() << " connected";
    if (WorkerID::IsValidBinary(request.worker_id()) && request.pid() > 0) {
      drivers_[WorkerID::FromBinary(request.worker_id())] =
          Driver{static_cast<pid_t>(request.pid()), JobID::FromBinary(request.job_id())};
    }
    if (JobID::IsValidBinary(request.job_id())) {
      pool_->SetJobConfig(JobID::FromBinary(request.job_id()), request.job_config());
    }
    send(Status::OK());
    return;
  }
  send(pool_->RegisterWorker(request));
}

void NodeManager::HandleNotifyWorkerBlocked(const rpc::NotifyWorkerBlockedRequest& request,
                                            rpc::NotifyWorkerBlockedReply*, rpc::SendReply send) {
  if (!WorkerID::IsValidBinary(request.worker_id())) {
    send(Status::InvalidArgument("worker_id must be " + std::to_string(WorkerID::kSize) + " bytes"));
    return;
  }
  leases_->SetWorkerBlocked(WorkerID::FromBinary(request.worker_id()), request.blocked());
  send(Status::OK());
}

void NodeManager::HandleCancelWorkerLease(const rpc::CancelWorkerLeaseRequest& request,
                                          rpc::CancelWorkerLeaseReply* reply,
                                          rpc::SendReply send) {
  reply->set_success(leases_->CancelLease(request.task_id()));
  send(Status::OK());
}

void NodeManager::HandleJobFinished(const rpc::JobFinishedRequest& request,
                                    rpc::JobFinishedReply*, rpc::SendReply send) {
  if (!JobID::IsValidBinary(request.job_id())) {
    send(Status::InvalidArgument("job_id must be " + std::to_string(JobID::kSize) + " bytes"));
    return;
  }
  JobID job_id = JobID::FromBinary(request.job_id());
  COLONY_LOG(INFO) << "job " << job_id.Hex() << " finished: killing its workers";
  leases_->CancelPending(job_id, "job " + job_id.Hex() + " finished");
  // Detached actors outlive their job; the GCS ends their leases when they die.
  pool_->KillJobWorkers(job_id, leases_->WorkersOfDetachedActors());
  send(Status::OK());
}

void NodeManager::HandleGetNodeStats(const rpc::GetNodeStatsRequest&,
                                     rpc::GetNodeStatsReply* reply, rpc::SendReply send) {
  reply->set_num_workers(static_cast<int32_t>(pool_->num_workers()));
  reply->set_num_idle_workers(static_cast<int32_t>(pool_->num_idle()));
  reply->set_num_leased_workers(static_cast<int32_t>(pool_->num_leased()));
  reply->set_num_pending_leases(static_cast<int32_t>(leases_->num_pending()));
  rpc::ResourcesToProto(leases_->available(), reply->mutable_resources_available());
  rpc::ResourcesToProto(leases_->total(), reply->mutable_resources_total());
  for (int32_t pid : pool_->worker_pids()) reply->add_worker_pids(pid);
  reply->set_num_queued_leases(static_cast<int32_t>(leases_->num_queued()));
  reply->set_num_leases_waiting_for_worker(static_cast<int32_t>(leases_->num_waiting_for_worker()));
  reply->set_num_granted_leases(static_cast<int32_t>(leases_->num_leases()));
  reply->set_num_drivers(static_cast<int32_t>(drivers_.size()));
  reply->set_num_starting_workers(pool_->num_starting());
  if (store_stats_) store_stats_(reply->mutable_object_store());
  reply->set_node_id(node_id_.Binary());
  send(Status::OK());
}

void NodeManager::CheckDrivers() {
  std::vector<WorkerID> gone;
  for (const auto& [worker_id, driver] : drivers_) {
    if (kill(driver.pid, 0) != 0 && errno == ESRCH) gone.push_back(worker_id);
  }
  for (const WorkerID& worker_id : gone) {
    Driver driver = drivers_.at(worker_id);
    drivers_.erase(worker_id);
    COLONY_LOG(INFO) << "driver pid " << driver.pid << " of job " << driver.job_id.Hex()
                     << " exited";
    if (on_driver_exit_) {
      on_driver_exit_(WorkerExit{worker_id, driver.pid, "the driver process exited", false});
    }
    // A driver that died without its JobFinished (SIGKILL, e.g. `colony job stop` after
    // its grace) ends its job here the same way, unless another driver of it is left.
    bool job_has_driver = std::any_of(drivers_.begin(), drivers_.end(), [&](const auto& d) {
      return d.second.job_id == driver.job_id;
    });
    if (!job_has_driver && !driver.job_id.IsNil()) {
      leases_->CancelPending(driver.job_id, "the driver of job " + driver.job_id.Hex() +
                                                " exited");
      pool_->KillJobWorkers(driver.job_id, leases_->WorkersOfDetachedActors());
    }
  }
}

void NodeManager::Stop() {
  stopping_ = true;
  leases_->CancelPending(JobID::Nil(), "raylet is shutting down");
  pool_->KillAll();
}

}  // namespace colony::raylet
