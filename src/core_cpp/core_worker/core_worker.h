// The core worker: the C++ runtime inside every driver and worker process. Language
// bindings (Cython, JNI) call this class; it owns the objects the process creates, submits
// tasks straight to leased workers and executes tasks pushed to it.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <unordered_map>
#include <string>
#include <vector>

#include "common.pb.h"
#include "common/event_loop.h"
#include "common/id.h"
#include "common/status.h"
#include "core_worker.grpc.pb.h"
#include "core_worker/actor_task_submitter.h"
#include "core_worker/client_pool.h"
#include "core_worker/core_worker_service.h"
#include "core_worker/generator_tracker.h"
#include "core_worker/memory_store.h"
#include "core_worker/normal_task_submitter.h"
#include "core_worker/placement_group_client.h"
#include "core_worker/object_data.h"
#include "core_worker/reference_counter.h"
#include "core_worker/task_event_buffer.h"
#include "core_worker/task_manager.h"
#include "core_worker/task_pusher.h"
#include "core_worker/task_receiver.h"
#include "core_worker/worker_context.h"
#include "gcs.grpc.pb.h"
#include "object_store/plasma_client.h"
#include "raylet.grpc.pb.h"
#include "rpc/local_rpc.h"

namespace colony {

// Runs one task in the language runtime and fills its reply.
using TaskExecutorFn = std::function<void(const rpc::TaskSpec& spec,
                                          const std::vector<ObjectData>& args,
                                          rpc::PushTaskReply* reply)>;
// Interrupts the running task (cancellation); called from an RPC thread.
using TaskInterruptFn = std::function<void(const std::string& task_id)>;

struct CoreWorkerOptions {
  bool is_driver = true;
  rpc::Language language = rpc::PYTHON;
  std::string gcs_address;
  std::string raylet_address;
  std::string node_ip = "127.0.0.1";
  std::string token;
  std::string namespace_name;
  rpc::JobConfig job_config;     // drivers
  std::string job_id_hex;        // workers: given by the raylet
  std::string worker_id_hex;     // workers: given by the raylet
  int driver_pid = 0;
  TaskExecutorFn executor = nullptr;
  TaskInterruptFn interrupt = nullptr;
  // Asked about once a second by a blocked get or wait: true ends it (Ctrl-C).
  std::function<bool()> check_interrupt = nullptr;
  // One of several logical workers in a process (a JVM hosting many actors): an Exit
  // request shuts this core worker down instead of ending the process.
  bool shared_process = false;
  // Serialized values at least this big go to the node's shared-memory store.
  uint64_t max_inline_object_bytes = 100 * 1024;
};

// A node as the language bindings show it.
struct NodeSnapshot {
  std::string node_id_hex;
  std::string ip;
  int port = 0;
  bool alive = false;
  std::string death_reason;
  std::map<std::string, double> resources_total;
  std::map<std::string, double> resources_available;
  std::map<std::string, std::string> labels;
};

class CoreWorker : public CoreWorkerServiceHandler {
 public:
  // Connects to the GCS and raylet, registers the job (drivers) or the worker, and starts
  // serving. Returns nullptr with `status` set on failure.
  static CoreWorker* Create(const CoreWorkerOptions& options, Status* status);
  ~CoreWorker() override;
  void Shutdown();

  // ---- objects ----
  // Small values: kept in this process's memory store.
  Status Put(const rpc::ObjectValue& value, ObjectID* id);
  // Large values go to the node's shared-memory store: reserve `data_size` bytes under a
  // new put id (or a task's return id), fill them through `data`, then seal. The marker
  // carries the metadata and nested refs; Seal fills in where the bytes are.
  ObjectID NextPutId();
  Status CreateShared(const ObjectID& id, const std::string& metadata, uint64_t data_size,
                      uint8_t** data);
  Status SealPut(const ObjectID& id, rpc::ObjectValue* marker);
  // Seals a task's return as its caller's primary copy; `marker` goes into the reply.
  Status SealReturn(const ObjectID& id, const rpc::TaskSpec& task, rpc::ObjectValue* marker);
  void AbortShared(const ObjectID& id);
  // For bindings that hand over a value's bytes as buffers laid end to end (JNI: one Java
  // array, or an Arrow stream's metadata and body buffers, copied straight into place):
  // picks inline or shared by size and does the whole put, or builds a task's return value
  // (inline, or sealed as the caller's shared copy; a full store gives an OBJECT_STORE_FULL
  // error value).
  Status PutBuffer(const std::string& metadata, const std::vector<DataPiece>& pieces,
                   const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& nested,
                   ObjectID* id);
  Status MakeReturn(const rpc::TaskSpec& task, const ObjectID& id, const std::string& metadata,
                    const std::vector<DataPiece>& pieces,
                    const google::protobuf::RepeatedPtrField<rpc::ObjectReference>& nested,
                    rpc::ObjectValue* value);
  uint64_t max_inline_object_bytes() const { return options_.max_inline_object_bytes; }
  // With `stop_at_error`, returns OK as soon as any of the values is an error value
  // (a failed task's): the ones still missing then have a null value.
  Status Get(const std::vector<ObjectID>& ids, int64_t timeout_ms, std::vector<ObjectData>* out,
             bool stop_at_error = false);
  // With `fetch_local`, a value whose primary copy is on another node counts as ready only
  // once it has been copied to this node.
  Status Wait(const std::vector<ObjectID>& ids, int num_returns, int64_t timeout_ms,
              bool fetch_local, std::vector<bool>* ready);
  void AddLocalRef(const ObjectID& id);
  void RemoveLocalRef(const ObjectID& id);
  // A deserialized ref to an object owned elsewhere (or here); owner is a serialized Address.
  void RegisterRef(const ObjectID& id, const std::string& owner_address);
  std::string OwnerAddressOf(const ObjectID& id);
  // A return value of `task` carries refs to the caller: make their owners count it.
  void PrepareReturnedRefs(const rpc::TaskSpec& task, const rpc::ObjectValue& value);
  // Shared-memory store figures of this node, and a test hook that drops a copy (as if its
  // node had lost it) to exercise lineage reconstruction.
  Status SharedStoreStats(plasma::StoreStats* stats);
  Status DeleteSharedCopy(const ObjectID& id);
  std::pair<const uint8_t*, uint64_t> SharedRegion() const;

  // ---- tasks ----
  // Fills ids, caller and job in `spec` and submits it; returns the ids of its returns.
  std::vector<ObjectID> SubmitTask(rpc::TaskSpec* spec);
  // Cancels the task returning `return_id`; `recursive` also cancels the tasks it submitted.
  // A borrowed ref's task is cancelled by its owner (asked synchronously; a dead owner has
  // failed it already).
  Status CancelTask(const ObjectID& return_id, bool force, bool recursive = true);
  // Workers: executes pushed tasks on this thread until shutdown.
  void RunTaskLoop();

  // ---- actors ----
  // Registers the actor with the GCS, which schedules it. `spec` carries the constructor as
  // function, its args, resources and actor_creation options. Fills the actor's id;
  // `existed` is set when get_if_exists found a live actor of that name.
  // `info` (if given) gets the actor's record, from which bindings take the handle token.
  Status CreateActor(rpc::TaskSpec* spec, bool get_if_exists, std::string* actor_id,
                     bool* existed, rpc::ActorTableData* info = nullptr);
  // Returns kLimitExceeded when the handle has max_pending_calls calls pending.
  // `handle_token` (the actor's ActorHandleToken, binary; empty if none) is held until the
  // call ends.
  Status SubmitActorTask(const std::string& actor_id, rpc::TaskSpec* spec,
                         std::vector<ObjectID>* returns, const std::string& handle_token = "");
  // This process received a handle (deserialized): start following the actor's state.
  void AddActorHandle(const std::string& actor_id, int max_pending_calls, int max_task_retries);
  // Looks a live actor up by name; found=false if there is none.
  // Live named actors in this job's namespace, or in every namespace.
  Status ListNamedActors(bool all_namespaces, std::vector<rpc::ActorTableData>* actors);
  Status GetActorInfo(const std::string& actor_id, const std::string& name, const std::string& ns,
                      rpc::ActorTableData* info, bool* found);
  // `graceful` (no restart): the actor is DEAD with `cause` at once and its worker exits
  // normally after its running call (exit_actor, __colony_terminate__, handles gone).
  Status KillActor(const std::string& actor_id, bool no_restart, bool graceful = false,
                   rpc::ActorTableData::DeathCause cause = rpc::ActorTableData::KILLED);
  const ActorID& current_actor_id() const { return actor_id_; }

  // ---- placement groups (placement_group_client.h) ----
  PlacementGroupClient* placement_groups() { return placement_groups_.get(); }

  // ---- cluster ----
  Status KvPut(const std::string& ns, const std::string& key, const std::string& value,
               bool overwrite, bool* added);
  Status KvGet(const std::string& ns, const std::string& key, std::string* value, bool* found);
  Status KvDel(const std::string& ns, const std::string& key, bool by_prefix, int64_t* deleted);
  Status KvKeys(const std::string& ns, const std::string& prefix, std::vector<std::string>* keys);
  // Sends this process's buffered task events to the GCS now (before explaining an error
  // this process saw, so its own records are there).
  void FlushTaskEvents() {
    if (task_events_ && task_events_->enabled()) task_events_->Flush();
  }
  Status GetAllNodes(std::vector<NodeSnapshot>* nodes);

  // ---- context ----
  const JobID& job_id() const { return job_id_; }
  const WorkerID& worker_id() const { return worker_id_; }
  const NodeID& node_id() const { return node_id_; }
  TaskID current_task_id() const;

  // An async actor's call, taken by the actor's event loop instead of RunTaskLoop.
  struct AsyncTask {
    TaskReceiver::Pending pending;
    std::vector<ObjectData> args;  // after PrepareAsyncTask
    std::vector<ObjectID> borrowed;
  };
  // ---- streaming generators (num_returns="streaming"; generator_tracker.h) ----
  // Executor side: reports item `index` of the running streaming task `spec` to its
  // caller and waits for the reply (the caller's back-pressure). `item` is built like a
  // return, with id GeneratorItemId(task, index). *stop: the caller wants no more items.
  Status ReportGeneratorItem(const rpc::TaskSpec& spec, int64_t index, rpc::ReturnObject* item,
                             bool* stop);
  // Caller side. Waits for item `index` of the streaming task: kItem with its id, kEnd
  // when the task ended (or was stopped) without it, kTimedOut, or kUnknown.
  GeneratorTracker::Next GeneratorNext(const TaskID& task, int64_t index, int64_t timeout_ms);
  // The language holds its own ref to item `index` now: the tracker's hold goes.
  void GeneratorConsumed(const TaskID& task, int64_t index);
  // The caller wants no more items: unconsumed ones are dropped; `forget` ends tracking.
  void GeneratorStop(const TaskID& task, bool forget);

  // Futures of the language (Python's ref.future() and `await ref`): once `id` has a value
  // here (fetched from its owner if borrowed), `tag` is queued and ready_fd() (an eventfd)
  // becomes readable; TakeReady drains the queue. No thread waits per future.
  void NotifyWhenReady(const ObjectID& id, uint64_t tag);
  std::vector<uint64_t> TakeReady();
  int ready_fd() const { return ready_fd_; }
  // Readable (an eventfd) whenever TakeAsyncTask may have a call; read it to rearm.
  int async_task_fd() const { return async_task_fd_; }
  // The next call, or nullptr; the caller owns it until it hands it to FinishAsyncTask.
  AsyncTask* TakeAsyncTask();
  // True when the arguments include refs that PrepareAsyncTask may block fetching.
  static bool HasRefArgs(const rpc::TaskSpec& spec);
  void PrepareAsyncTask(AsyncTask* task);
  // The reply is filled: releases the arguments, sends it and deletes `task`.
  void FinishAsyncTask(AsyncTask* task);

  std::string SerializedAddress() const { return address_.SerializeAsString(); }
  bool is_driver() const { return options_.is_driver; }
  // The job's namespace: a driver's own; a worker takes it from the tasks it runs (every
  // task carries its submitter's), so get_actor in a task looks where its driver would.
  std::string namespace_name() const;

  // ---- served to other processes (CoreWorkerService; core_worker_service.h) ----
  bool ExecutesTasks() const override;
  void ServePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                     rpc::SendReply send) override;
  bool ServeGetObject(const ObjectID& id, bool copy_lost,
                      std::function<void(ObjectValuePtr)> done) override;
  std::vector<bool> AddBorrowers(const std::vector<ObjectID>& ids,
                                 const rpc::Address& borrower) override;
  void RemoveBorrowers(const std::vector<ObjectID>& ids, const std::vector<int>& counts,
                       const std::string& borrower_worker_id) override;
  bool AddExitWatcher(rpc::SendReply send) override;
  bool CancelExecutingTask(const TaskID& task_id, bool force, bool recursive) override;
  // Cancels the task returning `return_id` if this process submitted it and it is pending.
  Status CancelOwnedTask(const ObjectID& return_id, bool force, bool recursive) override;
  // Caller side of ReportGeneratorItem: stores a new item (owned here, held for the
  // language until it takes it) and answers per the back-pressure window.
  void OnGeneratorItem(const rpc::ReportGeneratorItemRequest& request,
                       GeneratorTracker::ReportReply reply) override;
  void ExitRequested(bool graceful) override;

 private:
  explicit CoreWorker(const CoreWorkerOptions& options);
  Status Connect();
  Status FindLocalRaylet();
  Status StartServer();
  // Workers: serve PushTask to callers on this host over local_rpc_.
  Status ServeLocalPushes();
  Status RegisterJob();
  Status RegisterWithRaylet();
  // Assigns ids, caller and job, and registers the returns and pending task. With `shared`,
  // the spec moves into the one copy the task manager and the submitter share.
  // `hold` (if tracked here) is held like an argument until the task ends.
  std::vector<ObjectID> PrepareTask(rpc::TaskSpec* spec, TaskSpecPtr* shared,
                                    const ObjectID* hold = nullptr);
  void ExecuteTask(const rpc::TaskSpec& spec, rpc::PushTaskReply* reply);
  Status CancelPendingTask(const TaskSpecPtr& spec, bool force, bool recursive);
  // Cancels the pending tasks this process submitted while running `parent`.
  void CancelChildren(const TaskID& parent);
  // The two ends of running a task: its arguments fetched (borrowed ones registered), and
  // released once the reply is filled.
  // The executor's task event (RUNNING, EXECUTED) with this worker's node, id and pid.
  void RecordExecution(const rpc::TaskSpec& spec, const char* state,
                       const std::string& error_type);
  void BeginTask(const rpc::TaskSpec& spec, std::vector<ObjectData>* args,
                 std::vector<ObjectID>* borrowed);
  void EndTask(const rpc::TaskSpec& spec, std::vector<ObjectData>* args,
               const std::vector<ObjectID>& borrowed);
  // Borrowed objects are fetched from their owner into the memory store.
  void FetchFromOwner(const ObjectID& id, bool copy_lost = false);
  void OnObjectFreed(const ObjectID& id, bool owned);
  void FreeRemoteCopy(const ObjectID& id, const std::string& raylet_address);
  // Wait(fetch_local): pulls the ready values held on other nodes; unready again those
  // still being copied when the time is up. Returns how many it tried to pull.
  size_t PullReadyRemoteCopies(const std::vector<ObjectID>& ids, int64_t timeout_ms,
                               std::vector<bool>* ready);
  // Marks `marker` as a shared-memory value whose primary copy is in this node's store.
  void SetPrimaryLocation(rpc::ObjectValue* marker) const;
  void WatchRemoteOwner(const rpc::Address& owner);
  // Copies shared-memory objects held on other nodes into this node's store (in
  // parallel, through the local raylet). Per id: OK, or why the copy is unreachable.
  std::vector<Status> PullToLocal(const std::vector<ObjectID>& ids,
                                  const std::vector<const rpc::ObjectValue*>& markers,
                                  int64_t timeout_ms);
  // Owner side: forget a borrower's counts once its process is gone.
  void WatchBorrower(const rpc::Address& borrower);
  ReferenceCounter::Callbacks ReferenceCallbacks();
  Status ConnectSharedStore(const std::string& socket_path);
  // Waits (a while at most) until what was posted to the io loop so far has run.
  void DrainIoLoop();
  // Reads the shared-memory objects whose markers `values` holds; false for each copy
  // that is missing (after starting its recovery) so the caller waits again.
  void ResolveShared(const std::vector<ObjectID>& ids, std::vector<ObjectValuePtr>* values,
                     int64_t timeout_ms, std::vector<ObjectData>* out);
  // Maps the local copies of `ids` (markers[where[j]]) into out[where[j]], waiting up to
  // wait_ms for each. Per id: kOk when mapped; kObjectStoreFull when the copy is spilled and
  // the store has no room to restore it yet (it is not lost); another code when this
  // node's store has no copy.
  std::vector<StatusCode> ReadShared(const std::vector<ObjectID>& ids,
                                     const std::vector<size_t>& where,
                                     const std::vector<ObjectValuePtr>& markers,
                                     std::vector<ObjectData>* out, int64_t wait_ms);
  void RecoverLostCopy(const ObjectID& id, const rpc::ObjectValue& marker);
  // The marker's primary copy is in this node's store (spilled counts).
  bool PrimaryCopyIsHere(const ObjectID& id, const rpc::ObjectValue& marker);
  // `token` was an actor's handle token (ActorHandleToken): every handle is gone, so the
  // actor ends gracefully (OUT_OF_SCOPE).
  void EndActorIfTokenFreed(const ObjectID& token);
  Status GetValues(const std::vector<ObjectID>& ids, int64_t timeout_ms,
                   std::vector<ObjectValuePtr>* out, bool stop_at_error = false);
  void NotifyBlocked(bool blocked);
  void WatchRayletProcess();

  CoreWorkerOptions options_;
  JobID job_id_;
  WorkerID worker_id_;
  NodeID node_id_;
  rpc::Address address_;
  // The running task, its children's and puts' counters, the namespace.
  WorkerContext context_;

  EventLoop io_loop_;
  MemoryStore memory_store_;
  std::unique_ptr<plasma::PlasmaClient> plasma_;
  ReferenceCounter reference_counter_;
  ClientPool<rpc::NodeManagerService> raylet_clients_;
  ClientPool<rpc::CoreWorkerService> worker_clients_;
  // Same-host calls (rpc/local_rpc.h): pushes to workers here, and served by workers.
  rpc::LocalRpc local_rpc_;
  std::unique_ptr<TaskPusher> pusher_;
  std::unique_ptr<rpc::GcsService::Stub> gcs_;
  std::unique_ptr<PlacementGroupClient> placement_groups_;
  // Task events to the GCS's event service (task_event_buffer.h); flushed by its thread.
  std::unique_ptr<rpc::GcsEventService::Stub> gcs_events_;
  std::unique_ptr<TaskEventBuffer> task_events_;
  // The submitters' seams to raylets' leases and the GCS's actor states (over gRPC).
  std::unique_ptr<GrpcLeaseClient> lease_client_;
  std::unique_ptr<GrpcActorStateSource> actor_states_;
  std::unique_ptr<TaskManager> task_manager_;
  GeneratorTracker generators_;
  std::unique_ptr<NormalTaskSubmitter> submitter_;
  std::unique_ptr<ActorTaskSubmitter> actor_submitter_;
  ActorID actor_id_;  // the actor this worker hosts, if any
  std::unique_ptr<TaskReceiver> receiver_;
  int async_task_fd_ = -1;
  int ready_fd_ = -1;
  // Handle tokens of the non-detached actors this process created -> their actor ids.
  std::mutex tokens_mu_;
  std::unordered_map<ObjectID, ActorID> actor_of_token_;  // guarded by tokens_mu_
  std::mutex ready_mu_;
  std::vector<uint64_t> ready_tags_;  // guarded by ready_mu_
  std::unique_ptr<CoreWorkerGrpcService> service_;
  std::unique_ptr<rpc::GrpcServer> server_;

  std::mutex watch_mu_;
  std::unordered_set<std::string> watched_borrowers_;  // worker ids
  std::unordered_set<std::string> watched_remote_owners_;  // worker ids, via the raylet
  std::vector<rpc::SendReply> watchers_;               // owners watching this process
  std::mutex fetch_mu_;
  std::unordered_set<ObjectID> fetching_;
  std::atomic<bool> shut_down_{false};
};

}  // namespace colony

namespace colony::binding {
// For bindings that declare CoreWorker without its members.
inline PlacementGroupClient* PlacementGroupsOf(CoreWorker* cw) { return cw->placement_groups(); }
}  // namespace colony::binding
