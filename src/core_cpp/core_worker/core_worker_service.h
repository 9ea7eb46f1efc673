// The CoreWorkerService (proto/core_worker.proto) of one core worker: each handler checks
// its request and hands it to a CoreWorkerServiceHandler (the CoreWorker itself in a real
// process, a fake in tests). The service keeps no state of its own.
// Threads: handlers run on gRPC threads; the handler interface must be thread-safe.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "common/id.h"
#include "common/status.h"
#include "core_worker.grpc.pb.h"
#include "core_worker/generator_tracker.h"
#include "core_worker/memory_store.h"
#include "rpc/grpc_util.h"

namespace colony {

// What other processes may ask of a core worker, in the core worker's terms.
class CoreWorkerServiceHandler {
 public:
  virtual ~CoreWorkerServiceHandler() = default;
  // False for a driver: it executes no tasks, so PushTask and CancelTask find nothing.
  virtual bool ExecutesTasks() const = 0;
  // Queues a pushed task; `send` is called once the reply is filled.
  virtual void ServePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                             rpc::SendReply send) = 0;
  // Calls `done` once this process has the value of `id` (it may be a pending task's
  // return). With `copy_lost`, a caller found the shared-memory copy gone: an owner
  // starts recovering it first. False (and `done` dropped) if `id` is neither held nor
  // owned here.
  virtual bool ServeGetObject(const ObjectID& id, bool copy_lost,
                              std::function<void(ObjectValuePtr)> done) = 0;
  // Per id: whether this process still tracks it (the borrower's count was added).
  virtual std::vector<bool> AddBorrowers(const std::vector<ObjectID>& ids,
                                         const rpc::Address& borrower) = 0;
  virtual void RemoveBorrowers(const std::vector<ObjectID>& ids, const std::vector<int>& counts,
                               const std::string& borrower_worker_id) = 0;
  // Holds `send` until this process exits; false (and `send` dropped) when it is exiting.
  virtual bool AddExitWatcher(rpc::SendReply send) = 0;
  // Cancels the task this process is executing (or has queued); true when it was found.
  virtual bool CancelExecutingTask(const TaskID& task_id, bool force, bool recursive) = 0;
  // Cancels the task returning `return_id` if this process submitted it and it is pending.
  virtual Status CancelOwnedTask(const ObjectID& return_id, bool force, bool recursive) = 0;
  // Caller side of a streaming generator: one item reported by its executor.
  virtual void OnGeneratorItem(const rpc::ReportGeneratorItemRequest& request,
                               GeneratorTracker::ReportReply reply) = 0;
  // The raylet asks this (logical) worker to exit; called after the reply is sent.
  virtual void ExitRequested(bool graceful) = 0;
};

class CoreWorkerGrpcService final : public rpc::CoreWorkerService::CallbackService {
 public:
  CoreWorkerGrpcService(CoreWorkerServiceHandler* core_worker, std::string token)
      : handler_(this), token_(std::move(token)), core_worker_(core_worker) {}

  COLONY_RPC_METHOD(PushTask)
  COLONY_RPC_METHOD(GetObject)
  COLONY_RPC_METHOD(AddBorrowers)
  COLONY_RPC_METHOD(RemoveBorrowers)
  COLONY_RPC_METHOD(WatchWorker)
  COLONY_RPC_METHOD(CancelTask)
  COLONY_RPC_METHOD(CancelOwnedTask)
  COLONY_RPC_METHOD(Exit)
  COLONY_RPC_METHOD(ReportGeneratorItem)

  void HandlePushTask(const rpc::PushTaskRequest& request, rpc::PushTaskReply* reply,
                      rpc::SendReply send);
  // Answers once the owner has the value (a long poll for pending tasks' returns).
  void HandleGetObject(const rpc::GetObjectRequest& request, rpc::GetObjectReply* reply,
                       rpc::SendReply send);
  void HandleAddBorrowers(const rpc::AddBorrowersRequest& request, rpc::AddBorrowersReply* reply,
                          rpc::SendReply send);
  void HandleRemoveBorrowers(const rpc::RemoveBorrowersRequest& request,
                             rpc::RemoveBorrowersReply* reply, rpc::SendReply send);
  // Held open until this process exits (owners watch their borrowers this way).
  void HandleWatchWorker(const rpc::WatchWorkerRequest& request, rpc::WatchWorkerReply* reply,
                         rpc::SendReply send);
  void HandleCancelTask(const rpc::CancelTaskRequest& request, rpc::CancelTaskReply* reply,
                        rpc::SendReply send);
  // A borrower cancelled a ref this process owns. Only owned tasks are cancelled here:
  // the request is never forwarded again.
  void HandleCancelOwnedTask(const rpc::CancelOwnedTaskRequest& request,
                             rpc::CancelOwnedTaskReply* reply, rpc::SendReply send);
  void HandleReportGeneratorItem(const rpc::ReportGeneratorItemRequest& request,
                                 rpc::ReportGeneratorItemReply* reply, rpc::SendReply send);
  void HandleExit(const rpc::ExitRequest& request, rpc::ExitReply* reply, rpc::SendReply send);

 private:
  CoreWorkerGrpcService* handler_;
  std::string token_;
  EventLoop* loop_ = nullptr;  // handlers are thread-safe and run on gRPC threads
  CoreWorkerServiceHandler* core_worker_;
};

}  // namespace colony
