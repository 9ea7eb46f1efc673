#include "gcs/gcs_server.h"

#include <future>

#include "common/logging.h"
#include "common/virtual_cluster.h"

namespace colony::gcs {

// Routes each GcsService method to the manager that owns its state, on the loop, after
// the cluster-token check.
class GcsServiceImpl : public rpc::GcsService::CallbackService {
 public:
  GcsServiceImpl(GcsServer* server, std::string token, EventLoop* loop)
      : server_(server), token_(std::move(token)), loop_(loop) {}

  COLONY_RPC_METHOD_TO(RegisterNode, server_->node_manager_)
  COLONY_RPC_METHOD_TO(UnregisterNode, server_->node_manager_)
  COLONY_RPC_METHOD_TO(GetAllNodeInfo, server_->node_manager_)
  COLONY_RPC_METHOD_TO(ReportResources, server_->node_manager_)
  COLONY_RPC_METHOD_TO(PollNodeChanges, server_->node_changes_)
  COLONY_RPC_METHOD_TO(AddJob, server_->job_manager_)
  COLONY_RPC_METHOD_TO(MarkJobFinished, server_->job_manager_)
  COLONY_RPC_METHOD_TO(GetAllJobInfo, server_->job_manager_)
  COLONY_RPC_METHOD_TO(KvPut, server_->kv_manager_)
  COLONY_RPC_METHOD_TO(KvGet, server_->kv_manager_)
  COLONY_RPC_METHOD_TO(KvDel, server_->kv_manager_)
  COLONY_RPC_METHOD_TO(KvKeys, server_->kv_manager_)
  COLONY_RPC_METHOD_TO(RegisterActor, server_->actor_manager_)
  COLONY_RPC_METHOD_TO(GetActorInfo, server_->actor_manager_)
  COLONY_RPC_METHOD_TO(PollActorState, server_->actor_manager_)
  COLONY_RPC_METHOD_TO(KillActor, server_->actor_manager_)
  COLONY_RPC_METHOD_TO(ListNamedActors, server_->actor_manager_)
  COLONY_RPC_METHOD_TO(ReportWorkerFailure, server_->actor_manager_)
  COLONY_RPC_METHOD_TO(PublishLogs, server_->logs_)
  COLONY_RPC_METHOD_TO(PollLogs, server_->logs_)

 private:
  GcsServer* server_;
  std::string token_;
  EventLoop* loop_;
};

// Virtual clusters (docs/virtual_clusters.md).
class GcsVirtualClusterServiceImpl : public rpc::VirtualClusterService::CallbackService {
 public:
  GcsVirtualClusterServiceImpl(GcsServer* server, std::string token, EventLoop* loop)
      : server_(server), token_(std::move(token)), loop_(loop) {}

  COLONY_RPC_METHOD_TO(CreateOrUpdateVirtualCluster, server_->virtual_clusters_)
  COLONY_RPC_METHOD_TO(RemoveVirtualCluster, server_->virtual_clusters_)
  COLONY_RPC_METHOD_TO(GetVirtualClusters, server_->virtual_clusters_)

 private:
  GcsServer* server_;
  std::string token_;
  EventLoop* loop_;
};

// Events and the state API's reads (docs/observability.md, "Events and state").
class GcsEventServiceImpl : public rpc::GcsEventService::CallbackService {
 public:
  GcsEventServiceImpl(GcsServer* server, std::string token, EventLoop* loop)
      : server_(server), token_(std::move(token)), loop_(loop) {}

  COLONY_RPC_METHOD_TO(AddEvents, server_->events_)
  COLONY_RPC_METHOD_TO(GetEvents, server_->events_)
  COLONY_RPC_METHOD_TO(GetTaskAttempts, server_->events_)
  COLONY_RPC_METHOD_TO(GetAllActorInfo, server_->actor_manager_)

 private:
  GcsServer* server_;
  std::string token_;
  EventLoop* loop_;
};

// Placement groups (gcs_placement_group_manager.h), a service of their own.
class GcsPlacementGroupServiceImpl : public rpc::PlacementGroupService::CallbackService {
 public:
  GcsPlacementGroupServiceImpl(GcsServer* server, std::string token, EventLoop* loop)
      : server_(server), token_(std::move(token)), loop_(loop) {}

  COLONY_RPC_METHOD_TO(CreatePlacementGroup, server_->pg_manager_)
  COLONY_RPC_METHOD_TO(RemovePlacementGroup, server_->pg_manager_)
  COLONY_RPC_METHOD_TO(GetPlacementGroup, server_->pg_manager_)
  COLONY_RPC_METHOD_TO(GetAllPlacementGroup, server_->pg_manager_)
  COLONY_RPC_METHOD_TO(WaitPlacementGroupUntilReady, server_->pg_manager_)

 private:
  GcsServer* server_;
  std::string token_;
  EventLoop* loop_;
};

namespace {
GcsEventManagerOptions EventOptions(const GcsServerOptions& options) {
  GcsEventManagerOptions events = options.events;
  if (events.log_dir.empty() && !options.session_dir.empty()) {
    events.log_dir = options.session_dir + "/logs/events";
  }
  return events;
}

constexpr const char* kHealthCheckDeathReason = "health check timed out";
constexpr const char* kSessionNamespace = "session";
constexpr const char* kSessionDirKey = "session_dir";
}  // namespace

GcsServer::GcsServer(GcsServerOptions options, std::unique_ptr<StoreClient> store)
    : GcsServer(std::move(options), [raw = store.release()](EventLoop*) {
        return std::unique_ptr<StoreClient>(raw);
      }) {}

GcsServer::GcsServer(GcsServerOptions options, StoreFactory make_store)
    : options_(std::move(options)),
      store_(make_store(&loop_)),
      storage_(store_.get()),
      node_changes_(&loop_, options_.node_poll_timeout_ms),
      node_manager_(&storage_),
      health_checker_(&loop_, options_.health_check_timeout_ms,
                      [this](const NodeID& node_id) { OnNodeTimedOut(node_id); }),
      job_manager_(&storage_),
      kv_manager_(store_.get()),
      logs_(&loop_),
      actor_lease_client_(&loop_, options_.cluster_token),
      actor_task_pusher_(&loop_, options_.cluster_token),
      actor_scheduler_(
          &loop_, [this]() { return node_manager_.GetAllNodes(); }, &actor_lease_client_,
          &actor_task_pusher_, options_.actor_scheduler),
      actor_manager_(&loop_, &storage_, &actor_scheduler_, options_.actor_manager),
      pg_bundle_client_(&loop_, options_.cluster_token),
      pg_scheduler_(
          [this](const std::function<void(const rpc::NodeInfo&)>& visit) {
            for (const auto& [node_id, node] : node_manager_.AllNodes()) visit(node);
          },
          &pg_bundle_client_),
      pg_manager_(&loop_, &storage_, &pg_scheduler_,
                  [this](const std::string& pg_id) {
                    for (const ActorID& actor_id : actor_manager_.ActorsInPlacementGroup(pg_id)) {
                      Status killed = actor_manager_.KillActor(actor_id, /*no_restart=*/true);
                      if (!killed.ok()) {
                        COLONY_LOG(WARNING) << "cannot kill actor " << actor_id.Hex()
                                            << " of a removed placement group: "
                                            << killed.ToString();
                      }
                    }
                  }),
      pg_service_(std::make_unique<GcsPlacementGroupServiceImpl>(this, options_.cluster_token,
                                                                  &loop_)),
      virtual_cluster_nodes_(&node_manager_,
                             [this](const rpc::NodeInfo& node) {
                               // A node's cluster changed: raylets and waiting actors see it.
                               node_changes_.Publish(node);
                               actor_scheduler_.OnNodeAdded();
                             }),
      virtual_clusters_(&storage_, &virtual_cluster_nodes_),
      virtual_cluster_service_(std::make_unique<GcsVirtualClusterServiceImpl>(
          this, options_.cluster_token, &loop_)),
      events_(EventOptions(options_)),
      service_(std::make_unique<GcsServiceImpl>(this, options_.cluster_token, &loop_)),
      event_service_(std::make_unique<GcsEventServiceImpl>(this, options_.cluster_token, &loop_)),
      grpc_server_("gcs", options_.bind_ip, options_.port) {
  WireEvents();  // first: an event is recorded before what its listeners set off
  WireManagers();
  grpc_server_.RegisterService(service_.get());
  grpc_server_.RegisterService(virtual_cluster_service_.get());
  grpc_server_.RegisterService(pg_service_.get());
  grpc_server_.RegisterService(event_service_.get());
}

GcsServer::~GcsServer() { Stop(); }

void GcsServer::WireManagers() {
  node_manager_.AddNodeChangeListener([this](const rpc::NodeInfo& node) {
    NodeID node_id = NodeID::FromBinary(node.node_id());
    if (node.alive()) {
      health_checker_.ReportAlive(node_id);
    } else {
      health_checker_.Remove(node_id);
    }
    node_changes_.Publish(node);
    if (node.alive()) {
      actor_scheduler_.OnNodeAdded();
    } else {
      actor_manager_.OnNodeDead(node_id, node.death_reason());
    }
  });
  node_manager_.AddHeartbeatListener([this](const NodeID& node_id) {
    health_checker_.ReportAlive(node_id);
    actor_scheduler_.OnResourcesReported(node_id);
  });
  job_manager_.AddJobFinishedListener(
      [this](const JobID& job_id) { actor_manager_.OnJobFinished(job_id); });
  job_manager_.AddJobFinishedListener([this](const JobID& job_id) { logs_.OnJobFinished(job_id); });
  // Virtual clusters: membership follows the nodes; jobs are checked against their cluster
  // and hold their job cluster until they end; actors are placed within the job's cluster.
  node_manager_.AddNodeChangeListener([this](const rpc::NodeInfo& node) {
    if (node.alive()) {
      virtual_clusters_.OnNodeAlive(node);
    } else {
      virtual_clusters_.OnNodeDead(NodeID::FromBinary(node.node_id()));
    }
  });
  job_manager_.SetJobAdmission([this](const JobID& job_id, const rpc::JobInfo& job) {
    return virtual_clusters_.AdmitJob(job_id, job.config());
  });
  job_manager_.AddJobFinishedListener(
      [this](const JobID& job_id) { virtual_clusters_.OnJobFinished(job_id); });
  actor_scheduler_.set_job_virtual_cluster([this](const JobID& job_id) -> std::string {
    const rpc::JobInfo* job = job_manager_.GetJob(job_id);
    return job == nullptr ? "" : JobVirtualClusterId(job_id, job->config());
  });
  // Placement groups: non-detached groups end with their job; a dead node's bundles are
  // placed again; a joining node may fit waiting groups.
  job_manager_.AddJobFinishedListener(
      [this](const JobID& job_id) { pg_manager_.OnJobFinished(job_id); });
  node_manager_.AddNodeChangeListener([this](const rpc::NodeInfo& node) {
    if (node.alive()) {
      pg_manager_.OnNodeAdded();
    } else {
      pg_manager_.OnNodeDead(NodeID::FromBinary(node.node_id()));
    }
  });
  node_manager_.AddHeartbeatListener(
      [this](const NodeID& node_id) { pg_scheduler_.OnResourcesReported(node_id); });
}

void GcsServer::WireEvents() {
  node_manager_.AddNodeChangeListener([this](const rpc::NodeInfo& node) {
    rpc::Event e;
    e.set_kind("NODE");
    e.set_state(node.alive() ? "ALIVE" : "DEAD");
    e.set_entity_id(node.node_id());
    e.set_node_id(node.node_id());
    e.set_message(node.alive() ? "registered at " + node.ip() + ":" +
                                     std::to_string(node.raylet_port())
                               : node.death_reason());
    (*e.mutable_fields())["ip"] = node.ip();
    events_.Record(std::move(e));
  });
  job_manager_.AddJobAddedListener([this](const rpc::JobInfo& job) {
    rpc::Event e;
    e.set_kind("JOB");
    e.set_state("RUNNING");
    e.set_entity_id(job.job_id());
    e.set_job_id(job.job_id());
    e.set_node_id(job.driver_address().node_id());
    e.set_pid(job.driver_pid());
    e.set_message("driver started");
    (*e.mutable_fields())["namespace"] = job.namespace_();
    (*e.mutable_fields())["language"] = rpc::Language_Name(job.language());
    events_.Record(std::move(e));
  });
  job_manager_.AddJobFinishedListener([this](const JobID& job_id) {
    rpc::Event e;
    e.set_kind("JOB");
    e.set_state("FINISHED");
    e.set_entity_id(job_id.Binary());
    e.set_job_id(job_id.Binary());
    e.set_message("driver finished or exited");
    events_.Record(std::move(e));
  });
  actor_manager_.AddActorStateListener([this](const rpc::ActorTableData& actor) {
    rpc::Event e;
    e.set_kind("ACTOR");
    e.set_state(rpc::ActorTableData::State_Name(actor.state()));
    e.set_entity_id(actor.actor_id());
    e.set_job_id(actor.job_id());
    e.set_node_id(actor.address().node_id().empty() ? actor.node_id()
                                                   : actor.address().node_id());
    e.set_worker_id(actor.address().worker_id());
    e.set_pid(actor.pid());
    auto& fields = *e.mutable_fields();
    fields["class_name"] = actor.class_name();
    if (!actor.name().empty()) fields["name"] = actor.name();
    fields["num_restarts"] = std::to_string(actor.num_restarts());
    fields["max_restarts"] = std::to_string(actor.max_restarts());
    if (actor.state() == rpc::ActorTableData::DEAD) {
      fields["death_cause"] = rpc::ActorTableData::DeathCause_Name(actor.death_cause());
      e.set_message(actor.death_message());
    }
    events_.Record(std::move(e));
  });
  actor_manager_.AddWorkerFailureListener([this](const rpc::ReportWorkerFailureRequest& r) {
    rpc::Event e;
    e.set_kind("WORKER");
    e.set_state(r.intentional() ? "EXITED" : "FAILED");
    e.set_entity_id(r.worker_id());
    e.set_worker_id(r.worker_id());
    e.set_node_id(r.node_id());
    e.set_pid(r.pid());
    e.set_message(r.reason());
    (*e.mutable_fields())["intentional"] = r.intentional() ? "true" : "false";
    events_.Record(std::move(e));
  });
}

void GcsServer::OnNodeTimedOut(const NodeID& node_id) {
  Status status = node_manager_.MarkNodeDead(node_id, kHealthCheckDeathReason);
  if (!status.ok()) {
    COLONY_LOG(ERROR) << "cannot mark node " << node_id.Hex() << " dead: " << status.ToString();
  }
}

Status GcsServer::ApplyState(const GcsInitData& data) {
  COLONY_RETURN_IF_ERROR(node_manager_.Initialize(data));
  COLONY_RETURN_IF_ERROR(virtual_clusters_.Initialize(data));
  COLONY_RETURN_IF_ERROR(job_manager_.Initialize(data));
  COLONY_RETURN_IF_ERROR(actor_manager_.Initialize(data));
  COLONY_RETURN_IF_ERROR(pg_manager_.Initialize(data));
  if (!options_.session_dir.empty()) {
    kv_manager_.Put(kSessionNamespace, kSessionDirKey, options_.session_dir, true,
                    [](StatusOr<bool> put) {
                      if (!put.ok()) {
                        COLONY_LOG(ERROR) << "cannot store the session dir: "
                                          << put.status().ToString();
                      }
                    });
  }
  // Timers start after the reload, so a reloaded node gets a full health-check timeout
  // to report to this GCS before it is declared dead.
  health_checker_.Start();
  actor_scheduler_.Start();
  pg_manager_.Start();
  COLONY_LOG(INFO) << "loaded from " << store_->Describe() << ": " << data.nodes.size()
                   << " nodes, " << data.jobs.size() << " jobs, " << data.actors.size()
                   << " actors";
  return Status::OK();
}

Status GcsServer::LoadState() {
  std::promise<Status> loaded;
  loop_.Post([this, &loaded] {
    storage_.Load([this, &loaded](StatusOr<GcsInitData> data) {
      loaded.set_value(data.ok() ? ApplyState(*data) : data.status());
    });
  });
  return loaded.get_future().get();
}

Status GcsServer::Start() {
  if (started_) return Status::Internal("GCS server already started");
  COLONY_RETURN_IF_ERROR(store_->Connect());
  loop_.StartThread("gcs-loop");
  started_ = true;
  // Loaded on the loop, where every callback of the store runs; nothing serves yet.
  COLONY_RETURN_IF_ERROR(LoadState());
  COLONY_RETURN_IF_ERROR(grpc_server_.Start());
  COLONY_LOG(INFO) << "GCS serving on " << options_.bind_ip << ":" << grpc_server_.port();
  return Status::OK();
}

void GcsServer::Stop() {
  if (stopped_) return;
  stopped_ = true;
  if (started_) {
    RunOnLoop([this]() {
      node_changes_.Shutdown();
      actor_manager_.Shutdown();
      pg_manager_.Shutdown();
      logs_.Shutdown();
    });
  }
  // Replies waiting for the store are answered (or failed, if it is gone) while the loop
  // still runs: a gRPC server does not finish shutting down with a call unanswered.
  store_->Shutdown();
  // The loop keeps running while gRPC drains, so calls already queued still get answers.
  grpc_server_.Shutdown();
  loop_.Stop();
}

void GcsServer::RunOnLoop(std::function<void()> fn) {
  std::promise<void> done;
  loop_.Post([&fn, &done]() {
    fn();
    done.set_value();
  });
  done.get_future().wait();
}

}  // namespace colony::gcs
