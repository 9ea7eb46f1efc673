#include "core_worker/core_worker.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstring>
#include <future>
#include <thread>

#include "common/logging.h"
#include "common/memcopy.h"
#include "core_worker/language_binding.h"
#include "rpc/gcs_retry.h"

namespace colony {
namespace {

constexpr int64_t kSyncRpcTimeoutMs = 30000;

// Set once this process has had an answer from the GCS (a worker: at start, its raylet
// had one): from then on an unreachable GCS is one that is restarting, and calls are
// retried for a while (rpc/gcs_retry.h); before, a driver's wrong address fails at once.
std::atomic<bool> gcs_answered_once{false};

// A synchronous GCS call with the token and the default deadline, retried while the GCS
// is away (every GCS method is safe to repeat).
template <typename Request, typename Reply, typename Method>
Status CallGcs(rpc::GcsService::Stub* gcs, const std::string& token, Method method,
               const Request& request, Reply* reply) {
  auto attempt = [&](int64_t timeout_ms) {
    reply->Clear();
    grpc::ClientContext ctx;
    rpc::PrepareClientContext(&ctx, token, timeout_ms);
    return rpc::FromGrpcStatus((gcs->*method)(&ctx, request, reply));
  };
  if (!gcs_answered_once.load()) {
    Status status = attempt(kSyncRpcTimeoutMs);
    if (status.ok()) gcs_answered_once.store(true);
    return status;
  }
  return rpc::RetryGcsCall(Request::descriptor()->name(), attempt, kSyncRpcTimeoutMs);
}

// Values handed to the executor point into the task spec, which outlives the execution.
ObjectValuePtr Borrow(const rpc::ObjectValue& value) {
  return ObjectValuePtr(std::shared_ptr<void>(), &value);
}

void CopyPieces(uint8_t* target, const std::vector<DataPiece>& pieces) {
  for (const DataPiece& piece : pieces) {
    CopyLarge(target, piece.data, piece.size);
    target += piece.size;
  }
}

std::string JoinPieces(const std::vector<DataPiece>& pieces) {
  std::string joined;
  joined.reserve(TotalSize(pieces));
  for (const DataPiece& piece : pieces) {
    joined.append(reinterpret_cast<const char*>(piece.data), piece.size);
  }
  return joined;
}

}  // namespace

// ---- served to other processes (CoreWorkerService, core_worker_service.h) ----

bool CoreWorker::ExecutesTasks() const { return receiver_ != nullptr; }

void CoreWorker::ServePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                               rpc::SendReply send) {
  receiver_->HandlePushTask(request, reply, std::move(send));
}

bool CoreWorker::ServeGetObject(const ObjectID& id, bool copy_lost,
                                std::function<void(ObjectValuePtr)> done) {
  bool owned = reference_counter_.IsOwnedByMe(id);
  if (!memory_store_.Contains(id) && !owned) return false;
  if (copy_lost && owned) {
    ObjectValuePtr marker = memory_store_.GetIfExists(id);
    if (marker && marker->in_plasma() && !PrimaryCopyIsHere(id, *marker)) {
      RecoverLostCopy(id, *marker);
    }
  }
  memory_store_.GetAsync(id, std::move(done));
  return true;
}

std::vector<bool> CoreWorker::AddBorrowers(const std::vector<ObjectID>& ids,
                                           const rpc::Address& borrower) {
  std::vector<bool> found;
  found.reserve(ids.size());
  for (const ObjectID& id : ids) {
    found.push_back(reference_counter_.AddBorrower(id, borrower.worker_id()));
  }
  WatchBorrower(borrower);
  return found;
}

void CoreWorker::RemoveBorrowers(const std::vector<ObjectID>& ids, const std::vector<int>& counts,
                                 const std::string& borrower_worker_id) {
  for (size_t i = 0; i < ids.size() && i < counts.size(); i++) {
    reference_counter_.RemoveBorrower(ids[i], borrower_worker_id, counts[i]);
  }
}

bool CoreWorker::AddExitWatcher(rpc::SendReply send) {
  std::lock_guard<std::mutex> lock(watch_mu_);
  if (shut_down_) return false;
  watchers_.push_back(std::move(send));
  return true;
}

bool CoreWorker::CancelExecutingTask(const TaskID& task_id, bool force, bool recursive) {
  bool found = receiver_ && receiver_->Cancel(task_id, force);
  // A call that runs on (a sync actor's) keeps its children too.
  if (found && recursive) CancelChildren(task_id);
  return found;
}

void CoreWorker::ExitRequested(bool graceful) {
  if (graceful && !options_.shared_process && receiver_ != nullptr) {
    // The running call finishes and replies; then the task loop returns and the
    // language's main exits normally (its exit hooks run). Queued calls are never run:
    // their callers see the actor's DEAD state.
    receiver_->Stop();
    return;
  }
  if (options_.shared_process) {
    CoreWorker* cw = this;
    // Off the gRPC and io threads: Shutdown stops both.
    io_loop_.PostDelayed([cw]() { std::thread([cw] { cw->Shutdown(); }).detach(); }, 20);
    return;
  }
  io_loop_.PostDelayed([]() { _exit(0); }, 20);
}

CoreWorker::CoreWorker(const CoreWorkerOptions& options)
    : options_(options),
      context_(options.is_driver, options.namespace_name),
      reference_counter_(ReferenceCallbacks()),
      local_rpc_(options.token) {
  if (options_.check_interrupt) memory_store_.SetInterruptCheck(options_.check_interrupt);
  ready_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
}

ReferenceCounter::Callbacks CoreWorker::ReferenceCallbacks() {
  ReferenceCounter::Callbacks cb;
  cb.on_free = [this](const ObjectID& id, bool owned) { OnObjectFreed(id, owned); };
  cb.post = [this](std::function<void()> fn) { io_loop_.Post(std::move(fn)); };
  cb.add_borrowers = [this](const rpc::Address& owner, const rpc::Address& borrower,
                            const std::vector<ObjectID>& ids,
                            std::function<void(std::vector<bool>)> done) {
    rpc::AddBorrowersRequest request;
    for (const auto& id : ids) request.add_object_ids(id.Binary());
    *request.mutable_borrower() = borrower;
    auto* stub = worker_clients_.Get(rpc::AddressToString(owner));
    rpc::CallUnary<rpc::AddBorrowersRequest, rpc::AddBorrowersReply>(
        options_.token, kSyncRpcTimeoutMs, std::move(request),
        [stub](auto* ctx, auto* req, auto* reply, auto cb) {
          stub->async()->AddBorrowers(ctx, req, reply, std::move(cb));
        },
        [done = std::move(done)](Status status, rpc::AddBorrowersReply&& reply) {
          if (!status.ok()) return done({});
          done(std::vector<bool>(reply.found().begin(), reply.found().end()));
        });
  };
  cb.remove_borrowers = [this](const rpc::Address& owner, const std::vector<ObjectID>& ids,
                               const std::vector<int>& counts) {
    rpc::RemoveBorrowersRequest request;
    for (const auto& id : ids) request.add_object_ids(id.Binary());
    for (int count : counts) request.add_counts(count);
    *request.mutable_borrower() = address_;
    auto* stub = worker_clients_.Get(rpc::AddressToString(owner));
    rpc::CallUnary<rpc::RemoveBorrowersRequest, rpc::RemoveBorrowersReply>(
        options_.token, kSyncRpcTimeoutMs, std::move(request),
        [stub](auto* ctx, auto* req, auto* reply, auto cb) {
          stub->async()->RemoveBorrowers(ctx, req, reply, std::move(cb));
        },
        [](Status, rpc::RemoveBorrowersReply&&) {});  // a dead owner has nothing to free
  };
  return cb;
}

CoreWorker* CoreWorker::Create(const CoreWorkerOptions& options, Status* status) {
  auto* cw = new CoreWorker(options);
  *status = cw->Connect();
  if (!status->ok()) {
    cw->Shutdown();
    delete cw;
    return nullptr;
  }
  return cw;
}

Status CoreWorker::Connect() {
  io_loop_.StartThread("cw_io");
  COLONY_RETURN_IF_ERROR(local_rpc_.Start());
  pusher_ = std::make_unique<TaskPusher>(&worker_clients_, &local_rpc_, options_.token);
  gcs_ = rpc::GcsService::NewStub(rpc::MakeChannel(options_.gcs_address));
  placement_groups_ = std::make_unique<PlacementGroupClient>(options_.gcs_address, options_.token);
  gcs_events_ = rpc::GcsEventService::NewStub(rpc::MakeChannel(options_.gcs_address));
  task_events_ = std::make_unique<TaskEventBuffer>(
      TaskEventBufferOptions::FromEnv(), [this](const rpc::AddEventsRequest& request) {
        grpc::ClientContext ctx;
        rpc::PrepareClientContext(&ctx, options_.token, kSyncRpcTimeoutMs);
        rpc::AddEventsReply reply;
        return rpc::FromGrpcStatus(gcs_events_->AddEvents(&ctx, request, &reply));
      });
  if (options_.is_driver) {
    worker_id_ = WorkerID::FromRandom();
  } else {
    gcs_answered_once.store(true);  // its raylet had the GCS's answers before starting it
    worker_id_ = WorkerID::FromBinary(HexToBytes(options_.worker_id_hex));
    job_id_ = JobID::FromBinary(HexToBytes(options_.job_id_hex));
    if (worker_id_.IsNil() || job_id_.IsNil()) {
      return Status::InvalidArgument("worker started without a valid worker id or job id");
    }
    receiver_ = std::make_unique<TaskReceiver>(
        [this](const rpc::TaskSpec& spec, rpc::PushTaskReply* reply) { ExecuteTask(spec, reply); },
        [this](const TaskID& id) {
          if (options_.interrupt) options_.interrupt(id.Binary());
        });
    async_task_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  }
  if (options_.raylet_address.empty()) COLONY_RETURN_IF_ERROR(FindLocalRaylet());
  COLONY_RETURN_IF_ERROR(StartServer());
  if (options_.is_driver) COLONY_RETURN_IF_ERROR(RegisterJob());
  context_.StartJob(job_id_);
  task_manager_ = std::make_unique<TaskManager>(
      &memory_store_, &reference_counter_,
      [this](TaskSpecPtr spec) { submitter_->Submit(std::move(spec)); },
      [this](const ObjectID& id, const rpc::ObjectValue& value) {
        // Best effort: a copy already gone is what we want, and one left behind is this
        // process's primary copy, deleted with everything it owns when it exits.
        if (value.in_plasma() && plasma_) (void)plasma_->Delete(id);
      });
  if (task_events_->enabled()) task_manager_->SetEventBuffer(task_events_.get());
  lease_client_ = std::make_unique<GrpcLeaseClient>(&raylet_clients_, options_.token);
  actor_states_ = std::make_unique<GrpcActorStateSource>(gcs_.get(), options_.token);
  submitter_ = std::make_unique<NormalTaskSubmitter>(NormalTaskSubmitter::Deps{
      &io_loop_, &memory_store_, &reference_counter_, task_manager_.get(), lease_client_.get(),
      pusher_.get(), options_.raylet_address, &address_});
  actor_submitter_ = std::make_unique<ActorTaskSubmitter>(ActorTaskSubmitter::Deps{
      &io_loop_, &memory_store_, &reference_counter_, task_manager_.get(), pusher_.get(),
      actor_states_.get(), worker_id_.Binary()});
  COLONY_RETURN_IF_ERROR(RegisterWithRaylet());
  task_events_->Start();
  reference_counter_.SetSelf(address_);
  if (!options_.is_driver) WatchRayletProcess();
  return Status::OK();
}

// A driver joining a cluster by its GCS address uses the raylet on its own host.
Status CoreWorker::FindLocalRaylet() {
  std::vector<NodeSnapshot> nodes;
  Status s = GetAllNodes(&nodes);
  if (!s.ok()) return Status::Unavailable("cannot reach the GCS at " + options_.gcs_address + ": " + s.ToString());
  for (const auto& node : nodes) {
    if (node.alive && node.ip == options_.node_ip) {
      options_.raylet_address = node.ip + ":" + std::to_string(node.port);
      return Status::OK();
    }
  }
  return Status::NotFound("no live raylet on " + options_.node_ip + " in the cluster at " +
                          options_.gcs_address + "; start one with 'colony start --address'");
}

Status CoreWorker::StartServer() {
  service_ = std::make_unique<CoreWorkerGrpcService>(this, options_.token);
  server_ = std::make_unique<rpc::GrpcServer>("core_worker", "0.0.0.0", 0);
  server_->RegisterService(service_.get());
  COLONY_RETURN_IF_ERROR(server_->Start());
  if (receiver_) COLONY_RETURN_IF_ERROR(ServeLocalPushes());
  address_.set_ip(options_.node_ip);
  address_.set_port(server_->port());
  address_.set_worker_id(worker_id_.Binary());
  return Status::OK();
}

Status CoreWorker::ServeLocalPushes() {
  local_rpc_.Handle(rpc::LocalMethod::kPushTask, [this](std::string_view body,
                                                        rpc::LocalResponder responder) {
    struct Call {
      rpc::PushTaskRequest request;
      rpc::PushTaskReply reply;
    };
    auto call = std::make_shared<Call>();
    if (!call->request.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
      responder.SendError(Status::InvalidArgument("unparsable PushTask request"));
      return;
    }
    receiver_->HandlePushTask(call->request, &call->reply,
                              [call, responder](Status status) { responder.Send(status, call->reply); });
  });
  return local_rpc_.Listen(rpc::LocalWorkerSocketName(worker_id_.Binary()));
}

Status CoreWorker::RegisterJob() {
  rpc::AddJobRequest request;
  auto* job = request.mutable_job();
  job->set_namespace_(namespace_name());
  *job->mutable_driver_address() = address_;
  job->set_driver_pid(options_.driver_pid);
  *job->mutable_config() = options_.job_config;
  job->set_language(options_.language);
  rpc::AddJobReply reply;
  Status s = CallGcs(gcs_.get(), options_.token, &rpc::GcsService::Stub::AddJob, request, &reply);
  if (s.code() == StatusCode::kInvalidArgument || s.code() == StatusCode::kNotFound) {
    return Status(s.code(), "the GCS refused the job: " + s.message());  // e.g. its virtual cluster
  }
  if (!s.ok()) return Status::Unavailable("cannot reach the GCS at " + options_.gcs_address + ": " + s.ToString());
  job_id_ = JobID::FromBinary(reply.job_id());
  return Status::OK();
}

Status CoreWorker::RegisterWithRaylet() {
  rpc::RegisterWorkerRequest request;
  request.set_worker_id(worker_id_.Binary());
  request.set_port(address_.port());
  request.set_pid(getpid());
  request.set_language(options_.language);
  request.set_is_driver(options_.is_driver);
  request.set_job_id(job_id_.Binary());
  if (options_.is_driver) *request.mutable_job_config() = options_.job_config;
  rpc::RegisterWorkerReply reply;
  auto* raylet = raylet_clients_.Get(options_.raylet_address);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kSyncRpcTimeoutMs);
  int64_t backoff_ms = 100;
  Status s;
  while (true) {
    grpc::ClientContext ctx;
    rpc::PrepareClientContext(&ctx, options_.token, kSyncRpcTimeoutMs);
    s = rpc::FromGrpcStatus(raylet->RegisterWorker(&ctx, request, &reply));
    // A worker's raylet started it and is there (if it dies, so does the worker): a failed
    // connect on a loaded machine is retried, not a reason to exit. A driver's raylet
    // address may be wrong, and the driver says so at once.
    if (s.ok() || options_.is_driver || s.code() != StatusCode::kUnavailable ||
        std::chrono::steady_clock::now() + std::chrono::milliseconds(backoff_ms) > deadline) {
      break;
    }
    COLONY_LOG(WARNING) << "registering with the raylet at " << options_.raylet_address
                        << " failed (" << s.ToString() << "); retrying";
    std::this_thread::sleep_for(std::chrono::milliseconds(backoff_ms));
    backoff_ms = std::min<int64_t>(backoff_ms * 2, 1000);
  }
  if (!s.ok()) {
    return Status::Unavailable("cannot register with the raylet at " + options_.raylet_address +
                               ": " + s.ToString());
  }
  node_id_ = NodeID::FromBinary(reply.node_id());
  address_.set_node_id(node_id_.Binary());
  if (!reply.plasma_socket().empty()) return ConnectSharedStore(reply.plasma_socket());
  return Status::OK();
}

Status CoreWorker::ConnectSharedStore(const std::string& socket_path) {
  auto client = std::make_unique<plasma::PlasmaClient>();
  Status s = client->Connect(socket_path);
  if (!s.ok()) {
    return Status::Unavailable("cannot connect to the node's object store at " + socket_path +
                               ": " + s.ToString());
  }
  plasma_ = std::move(client);
  // The socket is <session>/sockets/plasma_<node>: events go to <session>/logs/events.
  size_t sockets = socket_path.rfind("/sockets/");
  if (sockets != std::string::npos) {
    task_events_->SetLogDir(socket_path.substr(0, sockets) + "/logs/events");
  }
  return Status::OK();
}

// A worker whose raylet is gone has no one to serve: exit instead of lingering.
void CoreWorker::WatchRayletProcess() {
  pid_t parent = getppid();
  io_loop_.PostPeriodic([parent]() {
    if (getppid() != parent) _exit(0);
  }, 500);
}

CoreWorker::~CoreWorker() {
  Shutdown();
  if (async_task_fd_ >= 0) close(async_task_fd_);
  if (ready_fd_ >= 0) close(ready_fd_);
}

void CoreWorker::NotifyWhenReady(const ObjectID& id, uint64_t tag) {
  if (!memory_store_.Contains(id) && !reference_counter_.IsOwnedByMe(id)) FetchFromOwner(id);
  memory_store_.GetAsync(id, [this, tag](ObjectValuePtr) {
    {
      std::lock_guard<std::mutex> lock(ready_mu_);
      ready_tags_.push_back(tag);
    }
    uint64_t one = 1;
    ssize_t n = write(ready_fd_, &one, sizeof(one));
    (void)n;  // a full counter already wakes the reader
  });
}

std::vector<uint64_t> CoreWorker::TakeReady() {
  std::lock_guard<std::mutex> lock(ready_mu_);
  std::vector<uint64_t> tags;
  tags.swap(ready_tags_);
  return tags;
}

void CoreWorker::Shutdown() {
  if (shut_down_.exchange(true)) return;
  // The last events first, while the GCS is surely there.
  if (task_events_) task_events_->Stop();
  if (options_.is_driver && !job_id_.IsNil() && gcs_) {
    rpc::JobFinishedRequest raylet_request;
    raylet_request.set_job_id(job_id_.Binary());
    rpc::JobFinishedReply raylet_reply;
    grpc::ClientContext raylet_ctx;
    rpc::PrepareClientContext(&raylet_ctx, options_.token, 2000);
    raylet_clients_.Get(options_.raylet_address)->JobFinished(&raylet_ctx, raylet_request, &raylet_reply);
    rpc::MarkJobFinishedRequest request;
    request.set_job_id(job_id_.Binary());
    rpc::MarkJobFinishedReply reply;
    grpc::ClientContext ctx;
    rpc::PrepareClientContext(&ctx, options_.token, 2000);
    gcs_->MarkJobFinished(&ctx, request, &reply);
  }
  if (actor_submitter_) actor_submitter_->Stop();
  if (receiver_) receiver_->Stop();
  {
    // Owners watching us learn that our borrows are over.
    std::lock_guard<std::mutex> lock(watch_mu_);
    for (auto& send : watchers_) send(Status::Unavailable("worker exiting"));
    watchers_.clear();
  }
  // A driver's objects die with its job; a worker's are freed by their owners (or by the
  // raylet when the worker exits).
  // Shutting down: the raylet deletes what an exited driver owned anyway.
  if (plasma_ && options_.is_driver) (void)plasma_->DeleteOwnedBy(worker_id_.Binary());
  if (plasma_) plasma_->Disconnect();
  local_rpc_.Shutdown();
  if (server_) server_->Shutdown();
  io_loop_.Stop();
}

// ---------------------------------------------------------------- objects

ObjectID CoreWorker::NextPutId() { return context_.NextPutId(); }

Status CoreWorker::Put(const rpc::ObjectValue& value, ObjectID* id) {
  *id = NextPutId();
  reference_counter_.AddOwnedObject(*id, value.nested_refs());
  memory_store_.Put(*id, std::make_shared<rpc::ObjectValue>(value));
  return Status::OK();
}

Status CoreWorker::CreateShared(const ObjectID& id, const std::string& metadata,
                                uint64_t data_size, uint8_t** data) {
  if (!plasma_) return Status::Unavailable("this process is not connected to an object store");
  auto buffer = plasma_->Create(id, data_size, metadata.size());
  if (!buffer.ok() && buffer.status().code() == StatusCode::kObjectStoreFull) {
    // Readers that just let go release their objects through the io loop: let those
    // releases land before calling the store full.
    DrainIoLoop();
    buffer = plasma_->Create(id, data_size, metadata.size());
  }
  if (!buffer.ok()) return buffer.status();
  std::memcpy(buffer->metadata, metadata.data(), metadata.size());
  *data = buffer->data;
  return Status::OK();
}

void CoreWorker::DrainIoLoop() {
  if (io_loop_.IsLoopThread()) return;
  auto drained = std::make_shared<std::promise<void>>();
  io_loop_.Post([drained] { drained->set_value(); });
  drained->get_future().wait_for(std::chrono::seconds(2));
}

Status CoreWorker::PutBuffer(const std::string& metadata, const std::vector<DataPiece>& pieces,
                             const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& nested,
                             ObjectID* id) {
  rpc::ObjectValue value;
  value.set_metadata(metadata);
  *value.mutable_nested_refs() = nested;
  uint64_t size = TotalSize(pieces);
  if (size < options_.max_inline_object_bytes) {
    value.set_data(JoinPieces(pieces));
    return Put(value, id);
  }
  *id = NextPutId();
  uint8_t* target = nullptr;
  COLONY_RETURN_IF_ERROR(CreateShared(*id, metadata, size, &target));
  CopyPieces(target, pieces);
  value.set_plasma_size(size);
  return SealPut(*id, &value);
}

Status CoreWorker::MakeReturn(const rpc::TaskSpec& task, const ObjectID& id,
                              const std::string& metadata, const std::vector<DataPiece>& pieces,
                              const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& nested,
                              rpc::ObjectValue* value) {
  value->set_metadata(metadata);
  *value->mutable_nested_refs() = nested;
  uint64_t size = TotalSize(pieces);
  // Small values travel inside the reply; so does a large one whose earlier attempt's copy
  // is still in the store.
  bool inline_value = size < options_.max_inline_object_bytes;
  if (!inline_value) {
    uint8_t* target = nullptr;
    Status s = CreateShared(id, metadata, size, &target);
    if (s.code() == StatusCode::kObjectStoreFull) {
      value->Clear();
      value->set_metadata(ErrorMetadata(rpc::OBJECT_STORE_FULL));
      value->set_data(s.message());
      return Status::OK();
    }
    if (s.code() == StatusCode::kAlreadyExists) {
      inline_value = true;
    } else {
      COLONY_RETURN_IF_ERROR(s);
      CopyPieces(target, pieces);
      value->set_plasma_size(size);
      COLONY_RETURN_IF_ERROR(SealReturn(id, task, value));
    }
  }
  if (inline_value) value->set_data(JoinPieces(pieces));
  PrepareReturnedRefs(task, *value);
  return Status::OK();
}

void CoreWorker::AbortShared(const ObjectID& id) {
  if (!plasma_) return;
  Status s = plasma_->Abort(id);
  if (!s.ok()) COLONY_LOG(WARNING) << "aborting object " << id.Hex() << ": " << s.ToString();
}

Status CoreWorker::SealPut(const ObjectID& id, rpc::ObjectValue* marker) {
  COLONY_RETURN_IF_ERROR(plasma_->SealAndPin(id, worker_id_.Binary()));
  SetPrimaryLocation(marker);
  reference_counter_.AddOwnedObject(id, marker->nested_refs());
  memory_store_.Put(id, std::make_shared<rpc::ObjectValue>(*marker));
  return Status::OK();
}

Status CoreWorker::SealReturn(const ObjectID& id, const rpc::TaskSpec& task,
                              rpc::ObjectValue* marker) {
  COLONY_RETURN_IF_ERROR(plasma_->SealAndPin(id, task.caller_address().worker_id()));
  SetPrimaryLocation(marker);
  // The copy belongs to the caller: a caller on another node is not this raylet's
  // worker, so the raylet must watch it to free the copy when it exits.
  if (task.caller_address().node_id() != node_id_.Binary()) WatchRemoteOwner(task.caller_address());
  return Status::OK();
}

void CoreWorker::SetPrimaryLocation(rpc::ObjectValue* marker) const {
  marker->set_in_plasma(true);
  marker->set_plasma_node_id(node_id_.Binary());
  marker->set_plasma_node_address(options_.raylet_address);
}

void CoreWorker::WatchRemoteOwner(const rpc::Address& owner) {
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    if (!watched_remote_owners_.insert(owner.worker_id()).second) return;
  }
  rpc::WatchOwnerRequest request;
  *request.mutable_owner() = owner;
  auto* raylet = raylet_clients_.Get(options_.raylet_address);
  rpc::CallUnary<rpc::WatchOwnerRequest, rpc::WatchOwnerReply>(
      options_.token, kSyncRpcTimeoutMs, std::move(request),
      [raylet](auto* ctx, auto* req, auto* reply, auto done) {
        raylet->async()->WatchOwner(ctx, req, reply, std::move(done));
      },
      [](Status status, rpc::WatchOwnerReply&&) {
        if (!status.ok()) COLONY_LOG(WARNING) << "WatchOwner failed: " << status.ToString();
      });
}

void CoreWorker::OnObjectFreed(const ObjectID& id, bool owned) {
  ObjectValuePtr value = memory_store_.GetIfExists(id);
  memory_store_.Delete(id);
  if (!owned) return;
  if (id.index() == 1) EndActorIfTokenFreed(id);
  if (task_manager_) task_manager_->OnReturnFreed(id);
  // At once, not later: a put right after this one would otherwise find the memory
  // still taken and spill live objects to make room.
  if (!value || !value->in_plasma() || shut_down_) return;
  if (value->plasma_node_id() == node_id_.Binary()) {
    // Best effort, as FreeObjects at another node's raylet: a copy already gone is fine,
    // one left behind goes with everything this process owns when it exits.
    if (plasma_) (void)plasma_->Delete(id);
  } else {
    FreeRemoteCopy(id, value->plasma_node_address());
  }
}

void CoreWorker::EndActorIfTokenFreed(const ObjectID& token) {
  ActorID actor_id;
  {
    std::lock_guard<std::mutex> lock(tokens_mu_);
    auto it = actor_of_token_.find(token);
    if (it == actor_of_token_.end()) return;
    actor_id = it->second;
    actor_of_token_.erase(it);
  }
  if (shut_down_) return;  // the job's end takes its actors anyway
  COLONY_LOG(DEBUG) << "every handle to actor " << actor_id.Hex() << " is gone: ending it";
  rpc::KillActorRequest request;
  request.set_actor_id(actor_id.Binary());
  request.set_no_restart(true);
  request.set_graceful(true);
  request.set_cause(rpc::ActorTableData::OUT_OF_SCOPE);
  rpc::GcsService::Stub* gcs = gcs_.get();
  rpc::CallUnary<rpc::KillActorRequest, rpc::KillActorReply>(
      options_.token, kSyncRpcTimeoutMs, std::move(request),
      [gcs](auto* ctx, auto* req, auto* reply, auto done) {
        gcs->async()->KillActor(ctx, req, reply, std::move(done));
      },
      [actor_id](Status status, rpc::KillActorReply&&) {
        if (!status.ok()) {
          COLONY_LOG(WARNING) << "could not end actor " << actor_id.Hex()
                              << " whose handles are all gone: " << status.ToString();
        }
      });
}

void CoreWorker::FreeRemoteCopy(const ObjectID& id, const std::string& raylet_address) {
  if (raylet_address.empty()) return;
  rpc::FreeObjectsRequest request;
  request.add_object_ids(id.Binary());
  auto* raylet = raylet_clients_.Get(raylet_address);
  rpc::CallUnary<rpc::FreeObjectsRequest, rpc::FreeObjectsReply>(
      options_.token, kSyncRpcTimeoutMs, std::move(request),
      [raylet](auto* ctx, auto* req, auto* reply, auto done) {
        raylet->async()->FreeObjects(ctx, req, reply, std::move(done));
      },
      [](Status, rpc::FreeObjectsReply&&) {});  // a dead node took the copy with it
}

Status CoreWorker::SharedStoreStats(plasma::StoreStats* stats) {
  if (!plasma_) return Status::Unavailable("this process is not connected to an object store");
  auto result = plasma_->Stats();
  if (!result.ok()) return result.status();
  *stats = *result;
  return Status::OK();
}

Status CoreWorker::DeleteSharedCopy(const ObjectID& id) {
  if (!plasma_) return Status::Unavailable("this process is not connected to an object store");
  return plasma_->Delete(id);
}

std::pair<const uint8_t*, uint64_t> CoreWorker::SharedRegion() const {
  if (!plasma_) return {nullptr, 0};
  return {plasma_->region_base(), plasma_->region_size()};
}

Status CoreWorker::Get(const std::vector<ObjectID>& ids, int64_t timeout_ms,
                       std::vector<ObjectData>* out, bool stop_at_error) {
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms < 0 ? 0 : timeout_ms);
  out->assign(ids.size(), ObjectData{});
  int rounds = 0;
  // Rounds: wait for the values, then map the shared ones; a lost copy is being recovered
  // (its marker dropped) and waited for again.
  while (true) {
    std::vector<ObjectID> missing;
    std::vector<size_t> where;
    bool error_found = false;
    for (size_t i = 0; i < ids.size(); i++) {
      if (!(*out)[i].value) {
        missing.push_back(ids[i]);
        where.push_back(i);
      } else {
        error_found = error_found || IsErrorValue(*(*out)[i].value);
      }
    }
    if (missing.empty() || (stop_at_error && error_found)) return Status::OK();
    int64_t left = -1;
    if (timeout_ms >= 0) {
      left = std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                      deadline - Clock::now()).count());
      // A round after the deadline: values are there but copies could not be made local.
      if (left == 0 && rounds > 0) {
        return Status::TimedOut("objects are still being fetched from other nodes");
      }
    }
    rounds++;
    std::vector<ObjectValuePtr> values;
    Status s = GetValues(missing, left, &values, stop_at_error);
    std::vector<ObjectData> resolved;
    ResolveShared(missing, &values, left, &resolved);
    for (size_t j = 0; j < missing.size(); j++) (*out)[where[j]] = std::move(resolved[j]);
    if (!s.ok()) return s;
  }
}

void CoreWorker::ResolveShared(const std::vector<ObjectID>& ids,
                               std::vector<ObjectValuePtr>* values, int64_t timeout_ms,
                               std::vector<ObjectData>* out) {
  out->assign(ids.size(), ObjectData{});
  std::vector<ObjectID> shared_ids;
  std::vector<size_t> where;
  for (size_t i = 0; i < ids.size(); i++) {
    const ObjectValuePtr& value = (*values)[i];
    if (value && value->in_plasma()) {
      shared_ids.push_back(ids[i]);
      where.push_back(i);
    } else {
      (*out)[i].value = value;
    }
  }
  if (shared_ids.empty()) return;
  std::vector<StatusCode> read = ReadShared(shared_ids, where, *values, out, 0);
  // Copies held on other nodes are pulled here, then read like local ones.
  std::vector<ObjectID> remote_ids;
  std::vector<const rpc::ObjectValue*> remote_markers;
  std::vector<size_t> remote_where;
  std::vector<ObjectID> awaiting_room;
  std::vector<size_t> awaiting_room_where;
  for (size_t j = 0; j < shared_ids.size(); j++) {
    if (read[j] == StatusCode::kOk) continue;
    if (read[j] == StatusCode::kObjectStoreFull) {
      awaiting_room.push_back(shared_ids[j]);
      awaiting_room_where.push_back(where[j]);
      continue;
    }
    const rpc::ObjectValue* marker = (*values)[where[j]].get();
    if (marker->plasma_node_id() == node_id_.Binary()) {
      RecoverLostCopy(shared_ids[j], *marker);  // the next round waits for the new copy
      continue;
    }
    remote_ids.push_back(shared_ids[j]);
    remote_markers.push_back(marker);
    remote_where.push_back(where[j]);
  }
  if (!awaiting_room.empty()) {
    // A spilled copy waits in the store until a release makes room to restore it; a
    // round is capped so the caller's loop re-checks its deadline and the other ids.
    int64_t wait_ms = timeout_ms < 0 ? 1000 : std::clamp<int64_t>(timeout_ms, 1, 1000);
    (void)ReadShared(awaiting_room, awaiting_room_where, *values, out, wait_ms);
  }
  if (remote_ids.empty()) return;
  std::vector<Status> pulled = PullToLocal(remote_ids, remote_markers, timeout_ms);
  std::vector<ObjectID> local_now;
  std::vector<size_t> local_where;
  for (size_t k = 0; k < remote_ids.size(); k++) {
    if (pulled[k].ok()) {
      local_now.push_back(remote_ids[k]);
      local_where.push_back(remote_where[k]);
    } else if (pulled[k].code() == StatusCode::kNotFound ||
               pulled[k].code() == StatusCode::kUnavailable) {
      RecoverLostCopy(remote_ids[k], *remote_markers[k]);
    }
    // Other failures (a timeout, a full store here) leave the slot empty: the caller's
    // next round tries again until its own deadline.
  }
  if (!local_now.empty()) (void)ReadShared(local_now, local_where, *values, out, 0);
}

std::vector<StatusCode> CoreWorker::ReadShared(const std::vector<ObjectID>& ids,
                                               const std::vector<size_t>& where,
                                               const std::vector<ObjectValuePtr>& markers,
                                               std::vector<ObjectData>* out, int64_t wait_ms) {
  StatusOr<std::vector<StatusOr<plasma::ObjectBuffer>>> buffers =
      plasma_ ? plasma_->Get(ids, wait_ms) : Status::Unavailable("no object store");
  if (!buffers.ok()) return std::vector<StatusCode>(ids.size(), buffers.status().code());
  std::vector<StatusCode> found(ids.size(), StatusCode::kOk);
  for (size_t j = 0; j < ids.size(); j++) {
    if (!(*buffers)[j].ok()) {
      found[j] = (*buffers)[j].status().code();
      continue;
    }
    const plasma::ObjectBuffer& b = *(*buffers)[j];
    plasma::PlasmaClient* client = plasma_.get();
    EventLoop* loop = &io_loop_;
    ObjectID id = ids[j];
    (*out)[where[j]].value = markers[where[j]];
    (*out)[where[j]].shared = std::make_shared<SharedObject>(
        b.data, b.data_size, [client, loop, id] {
          // Nothing to tell the view's last holder: a failed release means the store
          // connection is gone, and the store drops a disconnected client's references.
          loop->Post([client, id] { (void)client->Release(id); });
        });
  }
  return found;
}

std::vector<Status> CoreWorker::PullToLocal(const std::vector<ObjectID>& ids,
                                            const std::vector<const rpc::ObjectValue*>& markers,
                                            int64_t timeout_ms) {
  struct Pulls {
    std::mutex mu;
    std::condition_variable cv;
    std::vector<Status> results;
    size_t remaining;
  };
  auto pulls = std::make_shared<Pulls>();
  pulls->results.assign(ids.size(), Status::OK());
  pulls->remaining = ids.size();
  auto* raylet = raylet_clients_.Get(options_.raylet_address);
  if (timeout_ms == 0) timeout_ms = 1;  // 0 would mean no deadline to gRPC
  for (size_t i = 0; i < ids.size(); i++) {
    rpc::PullObjectRequest request;
    request.set_object_id(ids[i].Binary());
    request.set_from_node_id(markers[i]->plasma_node_id());
    request.set_from_address(markers[i]->plasma_node_address());
    rpc::CallUnary<rpc::PullObjectRequest, rpc::PullObjectReply>(
        options_.token, timeout_ms, std::move(request),
        [raylet](auto* ctx, auto* req, auto* reply, auto done) {
          raylet->async()->PullObject(ctx, req, reply, std::move(done));
        },
        [pulls, i](Status status, rpc::PullObjectReply&&) {
          std::lock_guard<std::mutex> lock(pulls->mu);
          pulls->results[i] = std::move(status);
          if (--pulls->remaining == 0) pulls->cv.notify_all();
        });
  }
  std::unique_lock<std::mutex> lock(pulls->mu);
  pulls->cv.wait(lock, [&] { return pulls->remaining == 0; });
  return pulls->results;
}

bool CoreWorker::PrimaryCopyIsHere(const ObjectID& id, const rpc::ObjectValue& marker) {
  // A borrower's read can fail for reasons of its own (its pull, its node): an owner whose
  // node still holds the primary copy must not declare it lost (a put has no lineage).
  if (marker.plasma_node_id() != node_id_.Binary() || !plasma_) return false;
  StatusOr<bool> here = plasma_->Contains(id);
  return here.ok() && *here;
}

void CoreWorker::RecoverLostCopy(const ObjectID& id, const rpc::ObjectValue& marker) {
  if (!reference_counter_.IsOwnedByMe(id)) {
    memory_store_.Delete(id);
    FetchFromOwner(id, /*copy_lost=*/true);
    return;
  }
  // Its node may be dead: the re-run must not go to a worker leased there.
  submitter_->ReturnIdleLeasesAt(marker.plasma_node_address());
  std::string why;
  if (task_manager_->Reconstruct(id, &why)) return;
  std::string message = "object " + id.Hex() + " lost its only copy (in the object store of node " +
                        NodeID::FromBinary(marker.plasma_node_id()).Hex() +
                        ") and cannot be reconstructed: " + why;
  memory_store_.Delete(id);
  memory_store_.Put(id, MakeErrorValue(rpc::OBJECT_LOST, message));
}

Status CoreWorker::GetValues(const std::vector<ObjectID>& ids, int64_t timeout_ms,
                             std::vector<ObjectValuePtr>* out, bool stop_at_error) {
  for (const auto& id : ids) {
    if (!memory_store_.Contains(id) && !reference_counter_.IsOwnedByMe(id)) FetchFromOwner(id);
  }
  Status s = memory_store_.Get(ids, 0, out, stop_at_error);
  if (s.ok() || timeout_ms == 0) return s;
  // Inside a task, waiting lends this worker's CPU to others (nested tasks need it).
  bool notify = !options_.is_driver;
  if (notify) NotifyBlocked(true);
  s = memory_store_.Get(ids, timeout_ms, out, stop_at_error);
  if (notify) NotifyBlocked(false);
  return s;
}

Status CoreWorker::Wait(const std::vector<ObjectID>& ids, int num_returns, int64_t timeout_ms,
                        bool fetch_local, std::vector<bool>* ready) {
  if (num_returns < 0 || num_returns > static_cast<int>(ids.size())) {
    return Status::InvalidArgument("num_returns must be between 0 and the number of refs");
  }
  for (const auto& id : ids) {
    if (!memory_store_.Contains(id) && !reference_counter_.IsOwnedByMe(id)) FetchFromOwner(id);
  }
  using Clock = std::chrono::steady_clock;
  auto deadline = Clock::now() + std::chrono::milliseconds(std::max<int64_t>(timeout_ms, 0));
  while (true) {
    int64_t left = timeout_ms < 0 ? -1
                                  : std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(
                                                             deadline - Clock::now()).count());
    memory_store_.Wait(ids, num_returns, left, ready);
    if (!fetch_local) return Status::OK();
    size_t pulled_all = PullReadyRemoteCopies(ids, left, ready);
    int num_ready = static_cast<int>(std::count(ready->begin(), ready->end(), true));
    if (pulled_all == 0 || num_ready >= num_returns || left == 0) return Status::OK();
  }
}

size_t CoreWorker::PullReadyRemoteCopies(const std::vector<ObjectID>& ids, int64_t timeout_ms,
                                         std::vector<bool>* ready) {
  std::vector<ObjectID> remote;
  std::vector<ObjectValuePtr> markers;
  std::vector<size_t> where;
  for (size_t i = 0; i < ids.size(); i++) {
    if (!(*ready)[i]) continue;
    ObjectValuePtr value = memory_store_.GetIfExists(ids[i]);
    if (!value || !value->in_plasma() || value->plasma_node_id() == node_id_.Binary()) continue;
    auto here = plasma_ ? plasma_->Contains(ids[i]) : StatusOr<bool>(false);
    if (here.ok() && *here) continue;
    remote.push_back(ids[i]);
    markers.push_back(value);
    where.push_back(i);
  }
  if (remote.empty()) return 0;
  std::vector<const rpc::ObjectValue*> raw;
  for (const auto& m : markers) raw.push_back(m.get());
  std::vector<Status> pulled = PullToLocal(remote, raw, timeout_ms);
  // Only a copy still on its way is unready; one that cannot be made (its node died, no
  // room here) counts as ready: get then reports or recovers it.
  for (size_t k = 0; k < remote.size(); k++) {
    StatusCode code = pulled[k].code();
    if (code == StatusCode::kTimedOut) {
      (*ready)[where[k]] = false;
    }
  }
  return remote.size();
}

void CoreWorker::FetchFromOwner(const ObjectID& id, bool copy_lost) {
  rpc::Address owner;
  if (!reference_counter_.GetOwner(id, &owner)) {
    memory_store_.Put(id, MakeErrorValue(rpc::OBJECT_LOST,
                                         "object " + id.Hex() + " has no known owner"));
    return;
  }
  {
    std::lock_guard<std::mutex> lock(fetch_mu_);
    if (!fetching_.insert(id).second) return;
  }
  rpc::GetObjectRequest request;
  request.set_object_id(id.Binary());
  request.set_copy_lost(copy_lost);
  std::string owner_address = rpc::AddressToString(owner);
  auto* stub = worker_clients_.Get(owner_address);
  rpc::CallUnary<rpc::GetObjectRequest, rpc::GetObjectReply>(
      options_.token, -1, std::move(request),
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->GetObject(ctx, req, reply, std::move(done));
      },
      [this, id, owner_address](Status status, rpc::GetObjectReply&& reply) {
        {
          std::lock_guard<std::mutex> lock(fetch_mu_);
          fetching_.erase(id);
        }
        ObjectValuePtr value;
        if (!status.ok()) {
          value = MakeErrorValue(rpc::OWNER_DIED, "the owner of object " + id.Hex() + " at " +
                                                      owner_address + " died (" +
                                                      status.ToString() + ")");
        } else if (reply.status() == rpc::GetObjectReply::NOT_FOUND) {
          value = MakeErrorValue(rpc::OBJECT_LOST, "object " + id.Hex() +
                                                       " no longer exists at its owner " +
                                                       owner_address);
        } else {
          value = std::make_shared<rpc::ObjectValue>(std::move(*reply.mutable_value()));
        }
        if (reference_counter_.IsTracked(id)) memory_store_.Put(id, value);
      });
}

void CoreWorker::NotifyBlocked(bool blocked) {
  rpc::NotifyWorkerBlockedRequest request;
  request.set_worker_id(worker_id_.Binary());
  request.set_blocked(blocked);
  rpc::NotifyWorkerBlockedReply reply;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, options_.token, kSyncRpcTimeoutMs);
  raylet_clients_.Get(options_.raylet_address)->NotifyWorkerBlocked(&ctx, request, &reply);
}

void CoreWorker::AddLocalRef(const ObjectID& id) { reference_counter_.AddLocalRef(id); }
void CoreWorker::RemoveLocalRef(const ObjectID& id) { reference_counter_.RemoveLocalRef(id); }

void CoreWorker::RegisterRef(const ObjectID& id, const std::string& owner_address) {
  rpc::Address owner;
  owner.ParseFromString(owner_address);
  reference_counter_.AddDeserializedRef(id, owner);
}

std::string CoreWorker::OwnerAddressOf(const ObjectID& id) {
  rpc::Address owner;
  if (!reference_counter_.GetOwner(id, &owner)) return "";
  return owner.SerializeAsString();
}

void CoreWorker::PrepareReturnedRefs(const rpc::TaskSpec& task, const rpc::ObjectValue& value) {
  if (value.nested_refs_size() == 0) return;
  reference_counter_.AddBorrowerForCaller(value.nested_refs(), task.caller_address());
  WatchBorrower(task.caller_address());
}

void CoreWorker::WatchBorrower(const rpc::Address& borrower) {
  const std::string& worker_id = borrower.worker_id();
  if (worker_id == worker_id_.Binary() || worker_id.empty()) return;
  {
    std::lock_guard<std::mutex> lock(watch_mu_);
    if (shut_down_ || !watched_borrowers_.insert(worker_id).second) return;
  }
  rpc::WatchWorkerRequest request;
  request.set_watcher_worker_id(worker_id_.Binary());
  auto* stub = worker_clients_.Get(rpc::AddressToString(borrower));
  rpc::CallUnary<rpc::WatchWorkerRequest, rpc::WatchWorkerReply>(
      options_.token, -1, std::move(request),
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->WatchWorker(ctx, req, reply, std::move(done));
      },
      [this, worker_id](Status, rpc::WatchWorkerReply&&) {
        if (shut_down_) return;
        {
          std::lock_guard<std::mutex> lock(watch_mu_);
          watched_borrowers_.erase(worker_id);
        }
        reference_counter_.RemoveBorrowerEverywhere(worker_id);
      });
}

// ---------------------------------------------------------------- tasks

std::vector<ObjectID> CoreWorker::PrepareTask(rpc::TaskSpec* spec, TaskSpecPtr* shared,
                                              const ObjectID* hold) {
  TaskID task_id = context_.NextChildTask(spec);
  spec->set_task_id(task_id.Binary());
  spec->set_job_id(job_id_.Binary());
  *spec->mutable_caller_address() = address_;
  spec->set_caller_language(options_.language);
  if (spec->namespace_().empty()) spec->set_namespace_(namespace_name());
  std::vector<ObjectID> returns;
  for (int i = 1; i <= spec->num_returns(); i++) {
    returns.push_back(ObjectID::ForReturn(task_id, i));
    reference_counter_.AddOwnedObject(returns.back());
  }
  if (spec->streaming_generator()) {
    generators_.Add(task_id, spec->generator_backpressure_num_objects());
    // Return 1 is stored once the task has ended (after its last item's report).
    memory_store_.GetAsync(ObjectID::ForReturn(task_id, 1),
                           [this, task_id](ObjectValuePtr) { generators_.OnEnded(task_id); });
  }
  // Refs passed directly or nested in inline values stay alive until the task ends.
  std::vector<ObjectID> arg_refs;
  for (const auto& arg : spec->args()) {
    if (arg.has_ref()) {
      arg_refs.push_back(ObjectID::FromBinary(arg.ref().object_id()));
    } else {
      for (const auto& ref : arg.value().nested_refs()) {
        arg_refs.push_back(ObjectID::FromBinary(ref.object_id()));
      }
    }
  }
  if (hold != nullptr && reference_counter_.IsTracked(*hold)) arg_refs.push_back(*hold);
  reference_counter_.AddSubmittedTaskRefs(arg_refs);
  if (shared != nullptr) {
    *shared = std::make_shared<const rpc::TaskSpec>(std::move(*spec));
    task_manager_->AddPendingTask(*shared, std::move(arg_refs));
  } else {
    task_manager_->AddPendingTask(std::make_shared<const rpc::TaskSpec>(*spec),
                                  std::move(arg_refs));
  }
  return returns;
}

std::vector<ObjectID> CoreWorker::SubmitTask(rpc::TaskSpec* spec) {
  spec->set_type(rpc::NORMAL_TASK);
  TaskSpecPtr shared;
  std::vector<ObjectID> returns = PrepareTask(spec, &shared);
  submitter_->Submit(std::move(shared));
  return returns;
}

// ---------------------------------------------------------------- streaming generators

Status CoreWorker::ReportGeneratorItem(const rpc::TaskSpec& spec, int64_t index,
                                       rpc::ReturnObject* item, bool* stop) {
  rpc::ReportGeneratorItemRequest request;
  request.set_task_id(spec.task_id());
  request.set_index(index);
  request.set_attempt_number(spec.attempt_number());
  request.mutable_item()->Swap(item);
  rpc::ReportGeneratorItemReply reply;
  grpc::ClientContext ctx;
  // No deadline: the caller holds the reply while its unconsumed items fill the window.
  rpc::PrepareClientContext(&ctx, options_.token, -1);
  Status status = rpc::FromGrpcStatus(
      worker_clients_.Get(rpc::AddressToString(spec.caller_address()))
          ->ReportGeneratorItem(&ctx, request, &reply));
  // A caller that is gone wants nothing more; its returns fail on its side.
  *stop = !status.ok() || reply.stop();
  return status.code() == StatusCode::kUnavailable ? Status::OK() : status;
}

void CoreWorker::OnGeneratorItem(const rpc::ReportGeneratorItemRequest& request,
                                 GeneratorTracker::ReportReply reply) {
  TaskID task = TaskID::FromBinary(request.task_id());
  ObjectID id = GeneratorItemId(task, request.index());
  generators_.OnItem(
      task, request.index(),
      [this, &id, &request] {
        reference_counter_.AddOwnedObject(id);
        // The executor counted this process as the borrower of refs inside the value.
        reference_counter_.AddContainedRefs(id, request.item().value().nested_refs());
        reference_counter_.AddLocalRef(id);  // the tracker's hold until the language takes it
        memory_store_.Put(id, std::make_shared<rpc::ObjectValue>(request.item().value()));
      },
      std::move(reply));
}

GeneratorTracker::Next CoreWorker::GeneratorNext(const TaskID& task, int64_t index,
                                                 int64_t timeout_ms) {
  return generators_.WaitNext(task, index, timeout_ms);
}

void CoreWorker::GeneratorConsumed(const TaskID& task, int64_t index) {
  reference_counter_.RemoveLocalRef(GeneratorItemId(task, index));
  generators_.Consumed(task, index);
}

void CoreWorker::GeneratorStop(const TaskID& task, bool forget) {
  for (const ObjectID& id : generators_.Stop(task, forget)) reference_counter_.RemoveLocalRef(id);
}

// ---------------------------------------------------------------- actors

Status CoreWorker::CreateActor(rpc::TaskSpec* spec, bool get_if_exists, std::string* actor_id,
                               bool* existed, rpc::ActorTableData* info) {
  spec->set_type(rpc::ACTOR_CREATION_TASK);
  spec->set_num_returns(1);  // carries the constructor's exception, if any
  spec->set_max_retries(0);
  TaskID task_id = context_.NextChildTask(spec);
  // The creating process is part of the seed: a restarted parent actor runs its constructor
  // again with the same task ids, and its children must be new actors, not the dead ones.
  ActorID id = ActorID::Of(job_id_, task_id.Binary() + worker_id_.Binary());
  spec->set_task_id(task_id.Binary());
  spec->set_job_id(job_id_.Binary());
  spec->set_actor_id(id.Binary());
  spec->mutable_actor_creation()->set_actor_id(id.Binary());
  *spec->mutable_caller_address() = address_;
  spec->set_caller_language(options_.language);
  if (spec->actor_creation().namespace_().empty()) {
    spec->mutable_actor_creation()->set_namespace_(namespace_name());
  }
  // The constructor's refs stay alive as long as this process: restarts replay it.
  std::vector<ObjectID> arg_refs;
  for (const auto& arg : spec->args()) {
    if (arg.has_ref()) arg_refs.push_back(ObjectID::FromBinary(arg.ref().object_id()));
    for (const auto& ref : arg.value().nested_refs()) {
      arg_refs.push_back(ObjectID::FromBinary(ref.object_id()));
    }
  }
  reference_counter_.AddSubmittedTaskRefs(arg_refs);
  rpc::RegisterActorRequest request;
  *request.mutable_creation_task() = *spec;
  request.set_get_if_exists(get_if_exists);
  rpc::RegisterActorReply reply;
  COLONY_RETURN_IF_ERROR(CallGcs(gcs_.get(), options_.token,
                                 &rpc::GcsService::Stub::RegisterActor, request, &reply));
  *existed = reply.existed();
  *actor_id = reply.actor().actor_id();
  const auto& creation = reply.actor().creation_task().actor_creation();
  actor_submitter_->AddActor(ActorID::FromBinary(*actor_id), creation.max_pending_calls(),
                             creation.max_task_retries());
  if (!*existed && !creation.detached()) {
    // Its handles hold refs to the token; the last one dropped ends the actor.
    ObjectID token = ActorHandleToken(reply.actor().creation_task());
    {
      std::lock_guard<std::mutex> lock(tokens_mu_);
      actor_of_token_[token] = ActorID::FromBinary(*actor_id);
    }
    reference_counter_.AddOwnedObject(token);
  }
  if (info != nullptr) *info = std::move(*reply.mutable_actor());
  return Status::OK();
}

Status CoreWorker::SubmitActorTask(const std::string& actor_id, rpc::TaskSpec* spec,
                                   std::vector<ObjectID>* returns,
                                   const std::string& handle_token) {
  spec->set_type(rpc::ACTOR_TASK);
  spec->set_actor_id(actor_id);
  spec->set_max_retries(0);  // resends after actor restarts follow max_task_retries instead
  // A pending call holds the actor's handle token: `Cls.remote().f.remote()` keeps the
  // actor alive until f is done, though its handle is gone at once.
  std::optional<ObjectID> token;
  if (ObjectID::IsValidBinary(handle_token)) token = ObjectID::FromBinary(handle_token);
  *returns = PrepareTask(spec, nullptr, token ? &*token : nullptr);
  Status s = actor_submitter_->Submit(*spec);
  if (!s.ok()) task_manager_->RemovePendingTask(TaskID::FromBinary(spec->task_id()));
  return s;
}

void CoreWorker::AddActorHandle(const std::string& actor_id, int max_pending_calls,
                                int max_task_retries) {
  actor_submitter_->AddActor(ActorID::FromBinary(actor_id), max_pending_calls, max_task_retries);
}

Status CoreWorker::ListNamedActors(bool all_namespaces,
                                   std::vector<rpc::ActorTableData>* actors) {
  rpc::ListNamedActorsRequest request;
  request.set_namespace_(namespace_name());
  request.set_all_namespaces(all_namespaces);
  rpc::ListNamedActorsReply reply;
  COLONY_RETURN_IF_ERROR(CallGcs(gcs_.get(), options_.token,
                                 &rpc::GcsService::Stub::ListNamedActors, request, &reply));
  actors->assign(reply.actors().begin(), reply.actors().end());
  return Status::OK();
}

Status CoreWorker::GetActorInfo(const std::string& actor_id, const std::string& name,
                                const std::string& ns, rpc::ActorTableData* info, bool* found) {
  rpc::GetActorInfoRequest request;
  request.set_actor_id(actor_id);
  request.set_name(name);
  request.set_namespace_(ns.empty() ? namespace_name() : ns);
  rpc::GetActorInfoReply reply;
  COLONY_RETURN_IF_ERROR(CallGcs(gcs_.get(), options_.token,
                                 &rpc::GcsService::Stub::GetActorInfo, request, &reply));
  *found = reply.found();
  *info = reply.actor();
  return Status::OK();
}

Status CoreWorker::KillActor(const std::string& actor_id, bool no_restart, bool graceful,
                             rpc::ActorTableData::DeathCause cause) {
  if (graceful && receiver_ != nullptr && actor_id == actor_id_.Binary()) {
    // The actor ends itself (exit_actor): the running call is its last one.
    receiver_->Stop();
  }
  rpc::KillActorRequest request;
  request.set_actor_id(actor_id);
  request.set_no_restart(no_restart || graceful);
  request.set_graceful(graceful);
  request.set_cause(cause);
  rpc::KillActorReply reply;
  COLONY_RETURN_IF_ERROR(
      CallGcs(gcs_.get(), options_.token, &rpc::GcsService::Stub::KillActor, request, &reply));
  // This caller's later calls see the kill at once, not when the state poll brings it.
  actor_submitter_->OnState(ActorID::FromBinary(actor_id), std::move(*reply.mutable_actor()));
  return Status::OK();
}

Status CoreWorker::CancelTask(const ObjectID& return_id, bool force, bool recursive) {
  rpc::Address owner;
  if (reference_counter_.IsOwnedByMe(return_id) ||
      !reference_counter_.GetOwner(return_id, &owner)) {
    return CancelOwnedTask(return_id, force, recursive);
  }
  // A borrowed ref: only its owner knows the task; ask it to cancel.
  rpc::CancelOwnedTaskRequest request;
  request.set_object_id(return_id.Binary());
  request.set_force(force);
  request.set_recursive(recursive);
  rpc::CancelOwnedTaskReply reply;
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, options_.token, kSyncRpcTimeoutMs);
  Status status = rpc::FromGrpcStatus(
      worker_clients_.Get(rpc::AddressToString(owner))->CancelOwnedTask(&ctx, request, &reply));
  // An owner that is gone has failed its tasks' returns already (OwnerDiedError).
  if (status.code() == StatusCode::kUnavailable) return Status::OK();
  return status;
}

Status CoreWorker::CancelOwnedTask(const ObjectID& return_id, bool force, bool recursive) {
  TaskSpecPtr spec = task_manager_->PendingSpec(return_id.task_id());
  if (!spec) return Status::OK();  // done already (or a put): nothing to cancel
  return CancelPendingTask(spec, force, recursive);
}

void CoreWorker::CancelChildren(const TaskID& parent) {
  for (const TaskSpecPtr& child : task_manager_->PendingChildren(parent)) {
    // Forced cancels are not passed on: the child would take its worker down with it.
    Status s = CancelPendingTask(child, false, true);
    if (!s.ok()) {
      COLONY_LOG(WARNING) << "cancelling child task " << child->name() << ": " << s.ToString();
    }
  }
}

Status CoreWorker::CancelPendingTask(const TaskSpecPtr& spec, bool force, bool recursive) {
  TaskID task_id = TaskID::FromBinary(spec->task_id());
  if (spec->type() == rpc::ACTOR_TASK) {
    if (force) {
      return Status::InvalidArgument(
          "force=True cannot cancel an actor call: it would kill the actor with every call it "
          "is running; cancel without force, or kill the actor");
    }
    actor_submitter_->Cancel(ActorID::FromBinary(spec->actor_id()), task_id, recursive);
    return Status::OK();
  }
  submitter_->Cancel(task_id, force, recursive);
  return Status::OK();
}

void CoreWorker::RunTaskLoop() {
  if (receiver_) receiver_->RunLoop();
}

std::string CoreWorker::namespace_name() const { return context_.namespace_name(); }

TaskID CoreWorker::current_task_id() const { return context_.current_task_id(); }

void CoreWorker::ExecuteTask(const rpc::TaskSpec& spec, rpc::PushTaskReply* reply) {
  std::vector<ObjectData> args;
  std::vector<ObjectID> borrowed;
  RecordExecution(spec, "RUNNING", "");
  BeginTask(spec, &args, &borrowed);
  options_.executor(spec, args, reply);
  RecordExecution(spec, "EXECUTED",
                  reply->is_application_error() ? "TASK_EXECUTION_EXCEPTION" : "");
  if (spec.type() == rpc::ACTOR_CREATION_TASK && !reply->is_application_error()) {
    actor_id_ = ActorID::FromBinary(spec.actor_id());
    int concurrency = std::max(1, spec.actor_creation().max_concurrency());
    if (spec.actor_creation().is_async()) {
      int fd = async_task_fd_;
      receiver_->SetAsync(concurrency, [fd]() {
        uint64_t one = 1;
        ssize_t n = write(fd, &one, sizeof(one));
        (void)n;  // a full counter already wakes the reader
      });
    } else {
      receiver_->SetConcurrency(concurrency);
    }
    const auto& groups = spec.actor_creation().concurrency_groups();
    receiver_->SetConcurrencyGroups(std::map<std::string, int>(groups.begin(), groups.end()));
  }
  if (context_.ReachedMaxCalls(spec)) {
    // Recycled (max_calls): this reply is the last; the task loop ends after it and the
    // lease holder returns the lease without reusing the worker.
    reply->set_worker_exiting(true);
    receiver_->Stop();
  }
  EndTask(spec, &args, borrowed);
}

void CoreWorker::BeginTask(const rpc::TaskSpec& spec, std::vector<ObjectData>* args,
                           std::vector<ObjectID>* borrowed) {
  context_.BeginTask(spec);
  args->assign(spec.args_size(), ObjectData{});
  for (int i = 0; i < spec.args_size(); i++) {
    const auto& arg = spec.args(i);
    if (!arg.has_ref()) {
      (*args)[i].value = Borrow(arg.value());
      continue;
    }
    ObjectID id = ObjectID::FromBinary(arg.ref().object_id());
    reference_counter_.AddBorrowedObject(id, arg.ref().owner_address());
    reference_counter_.AddLocalRef(id);
    borrowed->push_back(id);
    std::vector<ObjectData> values;
    Status s = Get({id}, -1, &values);
    if (!s.ok() && !values[0].value) {
      // Interrupted (the task was cancelled) or not fetchable: the executor gets an error
      // value in its place, never a null argument.
      values[0].value = MakeErrorValue(
          s.code() == StatusCode::kCancelled ? rpc::TASK_CANCELLED : rpc::OBJECT_LOST,
          "argument " + id.Hex() + " could not be fetched: " + s.ToString());
    }
    (*args)[i] = std::move(values[0]);
  }
}

void CoreWorker::EndTask(const rpc::TaskSpec& spec, std::vector<ObjectData>* args,
                         const std::vector<ObjectID>& borrowed) {
  args->clear();
  for (const auto& id : borrowed) reference_counter_.RemoveLocalRef(id);
  // The caller frees what it passed once we reply: our registrations must land first.
  if (!reference_counter_.WaitForRegistrations(kSyncRpcTimeoutMs)) {
    COLONY_LOG(WARNING) << "borrower registrations of task " << spec.name()
                        << " are still unanswered; replying anyway";
  }
}

CoreWorker::AsyncTask* CoreWorker::TakeAsyncTask() {
  TaskReceiver::Pending pending;
  if (!receiver_ || !receiver_->TakeAsync(&pending)) return nullptr;
  auto* task = new AsyncTask();
  task->pending = std::move(pending);
  return task;
}

bool CoreWorker::HasRefArgs(const rpc::TaskSpec& spec) {
  for (const auto& arg : spec.args()) {
    if (arg.has_ref()) return true;
  }
  return false;
}

void CoreWorker::RecordExecution(const rpc::TaskSpec& spec, const char* state,
                                 const std::string& error_type) {
  if (!task_events_->enabled()) return;
  task_events_->RecordExecution(spec, state, node_id_.Binary(), worker_id_.Binary(), getpid(),
                                error_type);
}

void CoreWorker::PrepareAsyncTask(AsyncTask* task) {
  RecordExecution(*task->pending.spec, "RUNNING", "");
  BeginTask(*task->pending.spec, &task->args, &task->borrowed);
}

void CoreWorker::FinishAsyncTask(AsyncTask* task) {
  std::unique_ptr<AsyncTask> owned(task);
  RecordExecution(*owned->pending.spec, "EXECUTED",
                  owned->pending.reply != nullptr && owned->pending.reply->is_application_error()
                      ? "TASK_EXECUTION_EXCEPTION"
                      : "");
  EndTask(*owned->pending.spec, &owned->args, owned->borrowed);
  receiver_->FinishAsync(std::move(owned->pending));
}

// ---------------------------------------------------------------- cluster

Status CoreWorker::KvPut(const std::string& ns, const std::string& key, const std::string& value,
                         bool overwrite, bool* added) {
  rpc::KvPutRequest request;
  request.set_ns(ns);
  request.set_key(key);
  request.set_value(value);
  request.set_overwrite(overwrite);
  rpc::KvPutReply reply;
  COLONY_RETURN_IF_ERROR(CallGcs(gcs_.get(), options_.token, &rpc::GcsService::Stub::KvPut, request, &reply));
  *added = reply.added();
  return Status::OK();
}

Status CoreWorker::KvGet(const std::string& ns, const std::string& key, std::string* value,
                         bool* found) {
  rpc::KvGetRequest request;
  request.set_ns(ns);
  request.set_key(key);
  rpc::KvGetReply reply;
  COLONY_RETURN_IF_ERROR(CallGcs(gcs_.get(), options_.token, &rpc::GcsService::Stub::KvGet, request, &reply));
  *found = reply.found();
  *value = reply.value();
  return Status::OK();
}

Status CoreWorker::KvDel(const std::string& ns, const std::string& key, bool by_prefix,
                         int64_t* deleted) {
  rpc::KvDelRequest request;
  request.set_ns(ns);
  request.set_key(key);
  request.set_by_prefix(by_prefix);
  rpc::KvDelReply reply;
  COLONY_RETURN_IF_ERROR(CallGcs(gcs_.get(), options_.token, &rpc::GcsService::Stub::KvDel, request, &reply));
  *deleted = reply.deleted();
  return Status::OK();
}

Status CoreWorker::KvKeys(const std::string& ns, const std::string& prefix,
                          std::vector<std::string>* keys) {
  rpc::KvKeysRequest request;
  request.set_ns(ns);
  request.set_prefix(prefix);
  rpc::KvKeysReply reply;
  COLONY_RETURN_IF_ERROR(CallGcs(gcs_.get(), options_.token, &rpc::GcsService::Stub::KvKeys, request, &reply));
  keys->assign(reply.keys().begin(), reply.keys().end());
  return Status::OK();
}

Status CoreWorker::GetAllNodes(std::vector<NodeSnapshot>* nodes) {
  rpc::GetAllNodeInfoRequest request;
  rpc::GetAllNodeInfoReply reply;
  COLONY_RETURN_IF_ERROR(CallGcs(gcs_.get(), options_.token,
                                 &rpc::GcsService::Stub::GetAllNodeInfo, request, &reply));
  nodes->clear();
  for (const auto& info : reply.nodes()) {
    NodeSnapshot n;
    n.node_id_hex = NodeID::FromBinary(info.node_id()).Hex();
    n.ip = info.ip();
    n.port = info.raylet_port();
    n.alive = info.alive();
    n.death_reason = info.death_reason();
    n.resources_total.insert(info.resources_total().begin(), info.resources_total().end());
    n.resources_available.insert(info.resources_available().begin(),
                                 info.resources_available().end());
    n.labels.insert(info.labels().begin(), info.labels().end());
    nodes->push_back(std::move(n));
  }
  return Status::OK();
}

}  // namespace colony
