#include "core_worker/core_worker_service.h"

#include <utility>

namespace colony {

void CoreWorkerGrpcService::HandlePushTask(const rpc::PushTaskRequest& request,
                                           rpc::PushTaskReply* reply, rpc::SendReply send) {
  if (!core_worker_->ExecutesTasks()) {
    send(Status::InvalidArgument("a driver does not execute tasks"));
    return;
  }
  core_worker_->ServePushTask(request, reply, std::move(send));
}

void CoreWorkerGrpcService::HandleGetObject(const rpc::GetObjectRequest& request,
                                            rpc::GetObjectReply* reply, rpc::SendReply send) {
  ObjectID id = ObjectID::FromBinary(request.object_id());
  // `send` is shared: it is moved into the callback only when the object is known here.
  auto shared_send = std::make_shared<rpc::SendReply>(std::move(send));
  bool known = core_worker_->ServeGetObject(id, request.copy_lost(),
                                            [reply, shared_send](ObjectValuePtr value) {
                                              *reply->mutable_value() = *value;
                                              (*shared_send)(Status::OK());
                                            });
  if (!known) {
    reply->set_status(rpc::GetObjectReply::NOT_FOUND);
    (*shared_send)(Status::OK());
  }
}

void CoreWorkerGrpcService::HandleAddBorrowers(const rpc::AddBorrowersRequest& request,
                                               rpc::AddBorrowersReply* reply,
                                               rpc::SendReply send) {
  std::vector<ObjectID> ids;
  ids.reserve(request.object_ids_size());
  for (const auto& id : request.object_ids()) ids.push_back(ObjectID::FromBinary(id));
  for (bool found : core_worker_->AddBorrowers(ids, request.borrower())) reply->add_found(found);
  send(Status::OK());
}

void CoreWorkerGrpcService::HandleRemoveBorrowers(const rpc::RemoveBorrowersRequest& request,
                                                  rpc::RemoveBorrowersReply*,
                                                  rpc::SendReply send) {
  std::vector<ObjectID> ids;
  std::vector<int> counts;
  for (int i = 0; i < request.object_ids_size() && i < request.counts_size(); i++) {
    ids.push_back(ObjectID::FromBinary(request.object_ids(i)));
    counts.push_back(request.counts(i));
  }
  core_worker_->RemoveBorrowers(ids, counts, request.borrower().worker_id());
  send(Status::OK());
}

void CoreWorkerGrpcService::HandleWatchWorker(const rpc::WatchWorkerRequest&,
                                              rpc::WatchWorkerReply*, rpc::SendReply send) {
  auto shared_send = std::make_shared<rpc::SendReply>(std::move(send));
  if (!core_worker_->AddExitWatcher([shared_send](Status s) { (*shared_send)(s); })) {
    (*shared_send)(Status::Unavailable("exiting"));
  }
}

void CoreWorkerGrpcService::HandleCancelTask(const rpc::CancelTaskRequest& request,
                                             rpc::CancelTaskReply* reply, rpc::SendReply send) {
  TaskID task_id = TaskID::FromBinary(request.task_id());
  bool found = core_worker_->ExecutesTasks() &&
               core_worker_->CancelExecutingTask(task_id, request.force(), request.recursive());
  reply->set_attempt_succeeded(found);
  send(Status::OK());
}

void CoreWorkerGrpcService::HandleCancelOwnedTask(const rpc::CancelOwnedTaskRequest& request,
                                                  rpc::CancelOwnedTaskReply*,
                                                  rpc::SendReply send) {
  if (!ObjectID::IsValidBinary(request.object_id())) {
    send(Status::InvalidArgument("object_id must be " + std::to_string(ObjectID::kSize) +
                                 " bytes"));
    return;
  }
  send(core_worker_->CancelOwnedTask(ObjectID::FromBinary(request.object_id()), request.force(),
                                     request.recursive()));
}

void CoreWorkerGrpcService::HandleReportGeneratorItem(
    const rpc::ReportGeneratorItemRequest& request, rpc::ReportGeneratorItemReply* reply,
    rpc::SendReply send) {
  if (!TaskID::IsValidBinary(request.task_id()) || request.index() < 0 ||
      request.index() > kMaxGeneratorItems) {
    send(Status::InvalidArgument("task_id must be " + std::to_string(TaskID::kSize) +
                                 " bytes and index in [0, " +
                                 std::to_string(kMaxGeneratorItems) + "]"));
    return;
  }
  core_worker_->OnGeneratorItem(request, [reply, send = std::move(send)](bool stop) {
    reply->set_stop(stop);
    send(Status::OK());
  });
}

void CoreWorkerGrpcService::HandleExit(const rpc::ExitRequest& request, rpc::ExitReply*,
                                       rpc::SendReply send) {
  send(Status::OK());
  core_worker_->ExitRequested(request.graceful());
}

}  // namespace colony
