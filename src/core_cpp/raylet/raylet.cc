#include "raylet/raylet.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cctype>
#include <cstdlib>

#include "common/filesystem.h"
#include "common/logging.h"
#include "common/virtual_cluster.h"

namespace colony::raylet {
namespace {

constexpr int64_t kUnregisterTimeoutMs = 2000;
constexpr int64_t kReapPeriodMs = 100;
constexpr int64_t kTrimPeriodMs = 1000;
constexpr int64_t kDriverCheckPeriodMs = 500;
constexpr int64_t kSpillQueuedPeriodMs = 200;
constexpr int64_t kReportWorkerFailureTimeoutMs = 5000;
constexpr int64_t kGetJobInfoTimeoutMs = 10000;
constexpr int64_t kDefaultObjectStoreBytes = 256ll << 20;

WorkerLaunchOptions LaunchOptions(const RayletConfig& config) {
  WorkerLaunchOptions o;
  o.python_executable = config.python_executable;
  o.session_dir = config.session_dir;
  o.gcs_address = config.gcs_address;
  o.node_id = config.node_id;
  o.node_ip = config.node_ip;
  o.token = config.token;
  o.extra_env = config.worker_env;
  o.java_executable = config.java_executable;
  // The JNI library and the Java runtime's classpath are installed next to this binary
  // (colony/_bin) by the build and scripts/install.sh; COLONY_JAVA_CLASSPATH overrides.
  char self[4096];
  ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  std::string dir = n > 0 ? std::string(self, static_cast<size_t>(n)) : std::string();
  dir = dir.substr(0, dir.rfind('/'));
  if (access((dir + "/libcolony_jni.so").c_str(), R_OK) == 0) o.jni_library = dir + "/libcolony_jni.so";
  const char* java_classpath = std::getenv("COLONY_JAVA_CLASSPATH");
  if (java_classpath != nullptr) {
    o.java_classpath = java_classpath;
  } else if (FILE* f = std::fopen((dir + "/java_classpath.txt").c_str(), "r")) {
    char buffer[65536];
    size_t size = std::fread(buffer, 1, sizeof(buffer) - 1, f);
    std::fclose(f);
    o.java_classpath = std::string(buffer, size);
    while (!o.java_classpath.empty() && std::isspace(o.java_classpath.back())) o.java_classpath.pop_back();
  }
  return o;
}

std::string LogsDir(const RayletConfig& config) { return config.session_dir + "/logs"; }

LogMonitorOptions MonitorOptions(const RayletConfig& config) {
  LogMonitorOptions o;
  o.logs_dir = LogsDir(config);
  o.node_id = config.node_id;
  return o;
}

WorkerPoolOptions PoolOptions(const RayletConfig& config) {
  WorkerPoolOptions o;
  o.node_id = config.node_id;
  o.node_ip = config.node_ip;
  o.num_cpus = config.num_cpus;
  o.max_starting = std::max(1, config.num_cpus);
  o.idle_timeout_ms = config.idle_worker_timeout_ms;
  o.register_timeout_ms = config.worker_register_timeout_ms;
  return o;
}

}  // namespace

Raylet::Raylet(RayletConfig config, EventLoop* loop, std::function<void(int)> request_exit)
    : config_(std::move(config)),
      loop_(loop),
      request_exit_(std::move(request_exit)),
      gcs_(config_.gcs_address, config_.token, loop),
      cluster_(config_.node_id),
      launcher_(LaunchOptions(config_)),
      pool_(PoolOptions(config_), &launcher_),
      usage_sampler_(&proc_source_, [this] { return pool_.worker_pids(); }),
      leases_(config_.node_id, config_.TotalResources(), &cluster_, &pool_,
              SchedulingPolicyOptions{config_.scheduler_spread_threshold,
                                      config_.scarce_resources, config_.scheduler_real_usage,
                                      config_.memory_pressure_threshold}),
      watcher_(config_.token),
      node_manager_(config_.node_id, &leases_, &pool_, &watcher_),
      bundles_(&leases_),
      object_manager_(config_.node_id, config_.token),
      object_rpcs_(&object_manager_, &cluster_, &watcher_),
      exit_log_(loop),
      service_(&node_manager_, &object_rpcs_, &exit_log_, loop, config_.token),
      object_service_(&object_rpcs_, config_.token),
      server_("raylet", config_.node_ip, config_.port),
      reporter_(&gcs_, loop, config_.node_id, &leases_, [this] { request_exit_(1); }),
      updater_(&gcs_, loop, &cluster_),
      log_index_(LogsDir(config_) + "/workers.index"),
      log_sink_(config_.gcs_address, config_.token),
      log_monitor_(MonitorOptions(config_), &log_sink_),
      log_service_(LogsDir(config_), config_.node_id, config_.token) {
  leases_.set_labels(config_.AllLabels());
  service_.set_bundles(&bundles_);
  leases_.set_self_usage([this] { return usage_sampler_.latest(); });
  reporter_.set_usage_source([this] {
    return usage_sampler_.Sample(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
  });
  leases_.set_job_spread_threshold([this](const JobID& job_id) -> std::optional<double> {
    const rpc::JobConfig* job = pool_.JobConfigOf(job_id);
    if (job == nullptr || !job->has_scheduling_spread_threshold()) return std::nullopt;
    return job->scheduling_spread_threshold();
  });
  // Known for every job with a process on this node: a driver's config comes with its
  // registration, and a worker starts only once its job's config is fetched.
  leases_.set_job_virtual_cluster([this](const JobID& job_id) -> std::string {
    const rpc::JobConfig* job = pool_.JobConfigOf(job_id);
    return job == nullptr ? "" : JobVirtualClusterId(job_id, *job);
  });
}

Status Raylet::StartObjectStore() {
  std::string dir = config_.session_dir.empty() ? "/tmp/colony_" + std::to_string(getpid())
                                                : config_.session_dir;
  std::string node = config_.node_id.Hex().substr(0, 12);
  COLONY_RETURN_IF_ERROR(MakeDirs(dir + "/sockets"));
  plasma::PlasmaStoreOptions options;
  options.socket_path = dir + "/sockets/plasma_" + node;
  // Unix socket paths hold at most 107 bytes; a deep session folder falls back to /tmp.
  constexpr size_t kMaxSocketPath = 100;
  if (options.socket_path.size() > kMaxSocketPath) {
    options.socket_path = "/tmp/colony-plasma-" + node + "-" + std::to_string(getpid());
  }
  options.capacity_bytes = config_.object_store_memory_bytes > 0
                               ? config_.object_store_memory_bytes
                               : kDefaultObjectStoreBytes;
  options.spill_directory = dir + "/spill_" + node;
  object_store_ = std::make_unique<plasma::PlasmaStore>(std::move(options));
  COLONY_RETURN_IF_ERROR(object_store_->Start());
  COLONY_RETURN_IF_ERROR(object_manager_.Start(object_store_.get()));
  node_manager_.SetObjectStoreSocket(object_store_->socket_path());
  // Stats() takes the store's lock, which is held only for short table operations.
  node_manager_.SetStoreStatsSource([store = object_store_.get()](rpc::ObjectStoreStats* out) {
    plasma::StoreStats s = store->Stats();
    out->set_capacity_bytes(s.capacity);
    out->set_used_bytes(s.used_bytes);
    out->set_num_objects(s.num_objects);
    out->set_num_spilled(s.num_spilled);
    out->set_spilled_bytes(s.spilled_bytes);
    out->set_num_clients(s.num_clients);
    out->set_total_evicted(s.total_evicted);
    out->set_total_spilled(s.total_spilled);
    out->set_total_restored(s.total_restored);
  });
  return Status::OK();
}

Status Raylet::Start() {
  StartIsolation();
  COLONY_RETURN_IF_ERROR(StartObjectStore());
  server_.RegisterService(&service_);
  server_.RegisterService(&object_service_);
  server_.RegisterService(&log_service_);
  launcher_.set_launch_listener([this](const rpc::WorkerLogInfo& info) {
    Status status = log_index_.Append(info);
    if (!status.ok()) COLONY_LOG(WARNING) << status.ToString();
    log_monitor_.AddProcess(info);
  });
  log_monitor_.Start();
  COLONY_RETURN_IF_ERROR(server_.Start());
  launcher_.set_raylet_address(config_.node_ip + ":" + std::to_string(server_.port()));
  COLONY_RETURN_IF_ERROR(gcs_.RegisterNode(BuildNodeInfo(), config_.gcs_connect_timeout_ms));
  COLONY_LOG(INFO) << "node " << config_.node_id.Hex() << " registered with the GCS at "
                   << config_.gcs_address << "; serving on " << config_.node_ip << ":"
                   << server_.port() << " with " << leases_.total().ToString();
  COLONY_RETURN_IF_ERROR(WritePortFile());
  leases_.SetResourcesChangedCallback([this] { reporter_.MarkChanged(); });
  pool_.SetWorkerExitCallback([this](const WorkerExit& exit) { ReportWorkerExit(exit); });
  pool_.SetStopLogicalWorker([this](const rpc::Address& worker) { StopLogicalWorker(worker); });
  // A job whose driver registered at another node: its config (the Java workers' code
  // search path) is in the GCS's job table.
  pool_.SetJobConfigFetcher(
      [this](const JobID& job_id, std::function<void(const rpc::JobConfig*)> done) {
        gcs_.GetAllJobInfo(kGetJobInfoTimeoutMs, [job_id, done = std::move(done)](
                                                     Status status, rpc::GetAllJobInfoReply&& reply) {
          if (status.code() == StatusCode::kCancelled) return;  // shutting down
          if (status.ok()) {
            for (const auto& job : reply.jobs()) {
              if (job.job_id() == job_id.Binary()) {
                done(&job.config());
                return;
              }
            }
          }
          COLONY_LOG(WARNING) << "no config for job " << job_id.Hex() << " from the GCS ("
                              << (status.ok() ? "not in its job table" : status.ToString())
                              << "); its workers start without a code search path";
          done(nullptr);
        });
      });
  StartRuntimeEnvAgentClient();
  node_manager_.SetDriverExitCallback(
      [this](const WorkerExit& exit) { ReportWorkerExit(exit); });
  watcher_.SetExitListener([this](const WorkerID& worker_id) { OnWatchedWorkerExit(worker_id); });
  StartPeriodicWork();
  return Status::OK();
}

void Raylet::StartIsolation() {
  IsolationChoice choice =
      MakeWorkerIsolation(config_.worker_isolation, config_.node_id, ReadCgroupLayout());
  isolation_ = std::move(choice.isolation);
  if (isolation_->Name() == "off") {
    COLONY_LOG(WARNING) << "worker isolation is off: workers run without cgroups (" << choice.why_off
                        << ")";
  } else {
    COLONY_LOG(INFO) << "worker isolation: " << isolation_->Name() << ", one cgroup per worker in "
                     << isolation_->Describe();
  }
  pool_.SetIsolation(isolation_.get());
}

// Runtime envs (docs/runtime_env.md): the node's agent caches them under
// <session>/runtime_resources/node_<id>/ (nodes of one machine may share a session folder);
// packages come from the GCS KV, namespace "packages".
void Raylet::StartRuntimeEnvAgentClient() {
  std::string node = config_.node_id.Hex().substr(0, 12);
  RuntimeEnvAgentOptions options;
  options.python_executable = config_.python_executable;
  options.resources_dir = config_.session_dir + "/runtime_resources/node_" + node;
  options.log_path = LogsDir(config_) + "/runtime_env_agent-" + node + ".log";
  options.extra_env = config_.worker_env;
  env_agent_ = std::make_unique<RuntimeEnvAgentClient>(
      std::move(options), loop_,
      [this](const std::string& digest, std::function<void(StatusOr<std::string>)> done) {
        gcs_.KvGet("packages", digest, kGetJobInfoTimeoutMs,
                   [done = std::move(done)](Status status, rpc::KvGetReply&& reply) {
                     if (status.code() == StatusCode::kCancelled) return;  // shutting down
                     if (!status.ok()) {
                       done(Status(status.code(), "cannot read it from the GCS: " +
                                                      status.ToString()));
                     } else if (!reply.found()) {
                       done(Status::NotFound("the cluster has no such package (never "
                                             "uploaded, or deleted)"));
                     } else {
                       done(std::move(*reply.mutable_value()));
                     }
                   });
      });
  pool_.SetRuntimeEnvProvider(env_agent_.get());
}

void Raylet::StartPeriodicWork() {
  reporter_.Start();
  updater_.Start();
  loop_->PostPeriodic([this] { pool_.ReapDeadWorkers(); }, kReapPeriodMs);
  loop_->PostPeriodic([this] { pool_.TrimWorkers(); }, kTrimPeriodMs);
  loop_->PostPeriodic([this] { node_manager_.CheckDrivers(); }, kDriverCheckPeriodMs);
  loop_->PostPeriodic([this] { leases_.SpillQueued(); }, kSpillQueuedPeriodMs);
}

// A core worker (on any node) that owns objects here or holds leases here exited.
void Raylet::OnWatchedWorkerExit(const WorkerID& worker_id) {
  FreeObjectsOwnedBy(worker_id);
  loop_->Post([this, worker_id] { leases_.OnLesseeDied(worker_id); });
}

// Ownership: what an exited process owned is unreachable now.
void Raylet::FreeObjectsOwnedBy(const WorkerID& worker_id) {
  size_t freed = object_store_ ? object_store_->DeleteOwnedBy(worker_id.Binary()) : 0;
  if (freed > 0) {
    COLONY_LOG(INFO) << "freed " << freed << " objects owned by exited worker " << worker_id.Hex();
  }
}

void Raylet::ReportWorkerExit(const WorkerExit& exit) {
  exit_log_.Record(exit);
  FreeObjectsOwnedBy(exit.worker_id);
  rpc::ReportWorkerFailureRequest request;
  request.set_worker_id(exit.worker_id.Binary());
  request.set_node_id(config_.node_id.Binary());
  request.set_pid(exit.pid);
  request.set_reason(exit.reason);
  request.set_intentional(exit.intentional);
  WorkerID worker_id = exit.worker_id;
  gcs_.ReportWorkerFailure(
      std::move(request), kReportWorkerFailureTimeoutMs,
      [worker_id](Status status, rpc::ReportWorkerFailureReply&&) {
        if (status.ok() || status.code() == StatusCode::kCancelled) return;
        COLONY_LOG(WARNING) << "cannot report the exit of worker " << worker_id.Hex()
                            << " to the GCS: " << status.ToString();
      });
}

// One of several workers in a JVM: it shuts its own core worker down, the JVM stays.
void Raylet::StopLogicalWorker(const rpc::Address& worker) {
  auto stub = std::shared_ptr<rpc::CoreWorkerService::Stub>(
      rpc::CoreWorkerService::NewStub(rpc::MakeChannel(rpc::AddressToString(worker))));
  rpc::ExitRequest request;
  WorkerID id = WorkerID::FromBinary(worker.worker_id());
  rpc::CallUnary<rpc::ExitRequest, rpc::ExitReply>(
      config_.token, kReportWorkerFailureTimeoutMs, std::move(request),
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->Exit(ctx, req, reply, std::move(done));
      },
      [stub, id](Status status, rpc::ExitReply&&) {
        if (!status.ok()) {
          COLONY_LOG(WARNING) << "cannot stop worker " << id.Hex() << ": " << status.ToString();
        }
      });
}

rpc::NodeInfo Raylet::BuildNodeInfo() const {
  rpc::NodeInfo node;
  node.set_node_id(config_.node_id.Binary());
  node.set_ip(config_.node_ip);
  node.set_raylet_port(server_.port());
  rpc::ResourcesToProto(leases_.total(), node.mutable_resources_total());
  rpc::ResourcesToProto(leases_.available(), node.mutable_resources_available());
  for (const auto& [key, value] : config_.AllLabels()) (*node.mutable_labels())[key] = value;
  node.set_alive(true);
  node.set_session_dir(config_.session_dir);
  node.set_start_time_ms(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
  node.set_object_store_memory(config_.object_store_memory_bytes);
  return node;
}

Status Raylet::WritePortFile() const {
  if (config_.port_file.empty()) return Status::OK();
  // Readers poll for the file: it must appear complete or not at all.
  std::string tmp = config_.port_file + ".tmp." + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "w");
  if (f == nullptr) return Status::IOError("cannot write port file " + tmp);
  bool ok = std::fprintf(f, "%d", server_.port()) > 0;
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), config_.port_file.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError("cannot write port file " + config_.port_file);
  }
  return Status::OK();
}

void Raylet::Stop(bool unregister) {
  node_manager_.Stop();
  if (unregister) {
    Status status = gcs_.UnregisterNode(config_.node_id, "raylet stopped", kUnregisterTimeoutMs);
    if (!status.ok()) {
      COLONY_LOG(WARNING) << "cannot unregister from the GCS at " << config_.gcs_address << ": "
                          << status.ToString();
    } else {
      COLONY_LOG(INFO) << "node " << config_.node_id.Hex() << " unregistered";
    }
  }
  gcs_.CancelAll();
  log_monitor_.Stop();
  watcher_.Stop();
  object_manager_.Stop();
  if (object_store_) object_store_->Stop();
  exit_log_.Stop();
  if (isolation_) isolation_->RemoveAll();  // the workers are dead (node_manager_.Stop)
}

void Raylet::ShutdownServer() { server_.Shutdown(); }

}  // namespace colony::raylet
