// CoreWorkerGrpcService against a fake CoreWorkerServiceHandler: each handler checks its
// request, refuses bad ones with a clear error before the core worker sees them, and
// turns the core worker's answers into replies. The handlers are called directly (no
// server): the service keeps no state, so nothing else is needed.
#include "core_worker/core_worker_service.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace colony {
namespace {

class FakeCoreWorker : public CoreWorkerServiceHandler {
 public:
  bool executes_tasks = true;
  bool exiting = false;
  std::vector<std::string> calls;  // in order, for checks of what reached the core worker
  // ServeGetObject: the ids known here, and the value they get (at once, or on Deliver).
  std::vector<ObjectID> known;
  std::vector<std::function<void(ObjectValuePtr)>> pending_gets;
  bool last_copy_lost = false;
  std::vector<rpc::SendReply> watchers;
  std::vector<bool> borrowers_found;
  std::vector<std::pair<ObjectID, int>> removed;
  std::string removed_by;
  bool cancel_found = false;
  Status owned_cancel_status = Status::OK();
  std::optional<bool> exit_graceful;
  GeneratorTracker::ReportReply generator_reply;

  bool ExecutesTasks() const override { return executes_tasks; }
  void ServePushTask(const rpc::PushTaskRequest&, rpc::PushTaskReply* reply,
                     rpc::SendReply send) override {
    calls.push_back("push");
    reply->set_is_application_error(false);
    send(Status::OK());
  }
  bool ServeGetObject(const ObjectID& id, bool copy_lost,
                      std::function<void(ObjectValuePtr)> done) override {
    calls.push_back("get");
    last_copy_lost = copy_lost;
    if (std::find(known.begin(), known.end(), id) == known.end()) return false;
    pending_gets.push_back(std::move(done));
    return true;
  }
  std::vector<bool> AddBorrowers(const std::vector<ObjectID>& ids,
                                 const rpc::Address& borrower) override {
    calls.push_back("add_borrowers:" + borrower.worker_id());
    return std::vector<bool>(borrowers_found.begin(),
                             borrowers_found.begin() + std::min(ids.size(), borrowers_found.size()));
  }
  void RemoveBorrowers(const std::vector<ObjectID>& ids, const std::vector<int>& counts,
                       const std::string& borrower_worker_id) override {
    calls.push_back("remove_borrowers");
    for (size_t i = 0; i < ids.size(); i++) removed.emplace_back(ids[i], counts[i]);
    removed_by = borrower_worker_id;
  }
  bool AddExitWatcher(rpc::SendReply send) override {
    if (exiting) return false;
    watchers.push_back(std::move(send));
    return true;
  }
  bool CancelExecutingTask(const TaskID&, bool force, bool recursive) override {
    calls.push_back(std::string("cancel:") + (force ? "force" : "") + (recursive ? ",rec" : ""));
    return cancel_found;
  }
  Status CancelOwnedTask(const ObjectID&, bool, bool) override {
    calls.push_back("cancel_owned");
    return owned_cancel_status;
  }
  void OnGeneratorItem(const rpc::ReportGeneratorItemRequest&,
                       GeneratorTracker::ReportReply reply) override {
    calls.push_back("generator_item");
    generator_reply = std::move(reply);
  }
  void ExitRequested(bool graceful) override {
    calls.push_back("exit");
    exit_graceful = graceful;
  }
};

// Records what a handler sent, and how often.
struct Sent {
  std::vector<Status> statuses;
  rpc::SendReply Reply() {
    return [this](Status s) { statuses.push_back(s); };
  }
};

ObjectID SomeObject(int i) {
  return ObjectID::ForReturn(TaskID::ForNormalTask(JobID::FromInt(1), TaskID::Nil(), 3), i);
}

class CoreWorkerServiceTest : public ::testing::Test {
 protected:
  FakeCoreWorker core_worker_;
  CoreWorkerGrpcService service_{&core_worker_, "token"};
  Sent sent_;
};

TEST_F(CoreWorkerServiceTest, ADriverRefusesPushedTasks) {
  core_worker_.executes_tasks = false;
  rpc::PushTaskReply reply;
  service_.HandlePushTask(rpc::PushTaskRequest(), &reply, sent_.Reply());
  ASSERT_EQ(sent_.statuses.size(), 1u);
  EXPECT_EQ(sent_.statuses[0].code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sent_.statuses[0].message().find("driver"), std::string::npos);
  EXPECT_TRUE(core_worker_.calls.empty());
}

TEST_F(CoreWorkerServiceTest, AWorkerTakesPushedTasks) {
  rpc::PushTaskReply reply;
  service_.HandlePushTask(rpc::PushTaskRequest(), &reply, sent_.Reply());
  ASSERT_EQ(sent_.statuses.size(), 1u);
  EXPECT_TRUE(sent_.statuses[0].ok());
  EXPECT_EQ(core_worker_.calls, std::vector<std::string>{"push"});
}

TEST_F(CoreWorkerServiceTest, GetObjectOfAnUnknownIdIsNotFoundAtOnce) {
  rpc::GetObjectRequest request;
  request.set_object_id(SomeObject(1).Binary());
  rpc::GetObjectReply reply;
  service_.HandleGetObject(request, &reply, sent_.Reply());
  ASSERT_EQ(sent_.statuses.size(), 1u);
  EXPECT_TRUE(sent_.statuses[0].ok());
  EXPECT_EQ(reply.status(), rpc::GetObjectReply::NOT_FOUND);
}

TEST_F(CoreWorkerServiceTest, GetObjectIsALongPollAnsweredWithTheValue) {
  core_worker_.known.push_back(SomeObject(2));
  rpc::GetObjectRequest request;
  request.set_object_id(SomeObject(2).Binary());
  request.set_copy_lost(true);
  rpc::GetObjectReply reply;
  service_.HandleGetObject(request, &reply, sent_.Reply());
  EXPECT_TRUE(core_worker_.last_copy_lost);
  EXPECT_TRUE(sent_.statuses.empty());  // held until the value is there
  ASSERT_EQ(core_worker_.pending_gets.size(), 1u);
  auto value = std::make_shared<rpc::ObjectValue>();
  value->set_data("hello");
  core_worker_.pending_gets[0](value);
  ASSERT_EQ(sent_.statuses.size(), 1u);
  EXPECT_TRUE(sent_.statuses[0].ok());
  EXPECT_NE(reply.status(), rpc::GetObjectReply::NOT_FOUND);
  EXPECT_EQ(reply.value().data(), "hello");
}

TEST_F(CoreWorkerServiceTest, BorrowersAreAddedAndRemovedPerId) {
  core_worker_.borrowers_found = {true, false};
  rpc::AddBorrowersRequest add;
  add.add_object_ids(SomeObject(1).Binary());
  add.add_object_ids(SomeObject(2).Binary());
  add.mutable_borrower()->set_worker_id("borrower");
  rpc::AddBorrowersReply add_reply;
  service_.HandleAddBorrowers(add, &add_reply, sent_.Reply());
  ASSERT_EQ(add_reply.found_size(), 2);
  EXPECT_TRUE(add_reply.found(0));
  EXPECT_FALSE(add_reply.found(1));

  // A count missing for the second id: only the first is removed.
  rpc::RemoveBorrowersRequest remove;
  remove.add_object_ids(SomeObject(1).Binary());
  remove.add_object_ids(SomeObject(2).Binary());
  remove.add_counts(3);
  remove.mutable_borrower()->set_worker_id("borrower");
  rpc::RemoveBorrowersReply remove_reply;
  service_.HandleRemoveBorrowers(remove, &remove_reply, sent_.Reply());
  ASSERT_EQ(core_worker_.removed.size(), 1u);
  EXPECT_EQ(core_worker_.removed[0].first, SomeObject(1));
  EXPECT_EQ(core_worker_.removed[0].second, 3);
  EXPECT_EQ(core_worker_.removed_by, "borrower");
  ASSERT_EQ(sent_.statuses.size(), 2u);
  EXPECT_TRUE(sent_.statuses[0].ok() && sent_.statuses[1].ok());
}

TEST_F(CoreWorkerServiceTest, WatchWorkerIsHeldUntilExitAndRefusedWhileExiting) {
  rpc::WatchWorkerReply reply;
  service_.HandleWatchWorker(rpc::WatchWorkerRequest(), &reply, sent_.Reply());
  EXPECT_TRUE(sent_.statuses.empty());
  ASSERT_EQ(core_worker_.watchers.size(), 1u);
  core_worker_.watchers[0](Status::Unavailable("worker exiting"));
  ASSERT_EQ(sent_.statuses.size(), 1u);
  EXPECT_EQ(sent_.statuses[0].code(), StatusCode::kUnavailable);

  core_worker_.exiting = true;
  Sent late;
  service_.HandleWatchWorker(rpc::WatchWorkerRequest(), &reply, late.Reply());
  ASSERT_EQ(late.statuses.size(), 1u);
  EXPECT_EQ(late.statuses[0].code(), StatusCode::kUnavailable);
  EXPECT_EQ(core_worker_.watchers.size(), 1u);
}

TEST_F(CoreWorkerServiceTest, CancelTaskReportsWhetherTheTaskWasFound) {
  rpc::CancelTaskRequest request;
  request.set_task_id(TaskID::ForNormalTask(JobID::FromInt(1), TaskID::Nil(), 4).Binary());
  request.set_force(true);
  request.set_recursive(true);
  rpc::CancelTaskReply reply;
  core_worker_.cancel_found = true;
  service_.HandleCancelTask(request, &reply, sent_.Reply());
  EXPECT_TRUE(reply.attempt_succeeded());
  EXPECT_EQ(core_worker_.calls, std::vector<std::string>{"cancel:force,rec"});

  // A driver executes nothing: the cancel finds nothing and is not passed on.
  core_worker_.executes_tasks = false;
  core_worker_.calls.clear();
  rpc::CancelTaskReply driver_reply;
  service_.HandleCancelTask(request, &driver_reply, sent_.Reply());
  EXPECT_FALSE(driver_reply.attempt_succeeded());
  EXPECT_TRUE(core_worker_.calls.empty());
  ASSERT_EQ(sent_.statuses.size(), 2u);
  EXPECT_TRUE(sent_.statuses[1].ok());
}

TEST_F(CoreWorkerServiceTest, CancelOwnedTaskRefusesABadIdAndPassesTheOwnersAnswer) {
  rpc::CancelOwnedTaskRequest bad;
  bad.set_object_id("short");
  rpc::CancelOwnedTaskReply reply;
  service_.HandleCancelOwnedTask(bad, &reply, sent_.Reply());
  ASSERT_EQ(sent_.statuses.size(), 1u);
  EXPECT_EQ(sent_.statuses[0].code(), StatusCode::kInvalidArgument);
  EXPECT_NE(sent_.statuses[0].message().find("object_id"), std::string::npos);
  EXPECT_TRUE(core_worker_.calls.empty());

  rpc::CancelOwnedTaskRequest good;
  good.set_object_id(SomeObject(1).Binary());
  core_worker_.owned_cancel_status = Status::NotFound("not pending");
  service_.HandleCancelOwnedTask(good, &reply, sent_.Reply());
  ASSERT_EQ(sent_.statuses.size(), 2u);
  EXPECT_EQ(sent_.statuses[1].code(), StatusCode::kNotFound);
  EXPECT_EQ(core_worker_.calls, std::vector<std::string>{"cancel_owned"});
}

TEST_F(CoreWorkerServiceTest, GeneratorItemsOutOfRangeAreRefused) {
  TaskID task = TaskID::ForNormalTask(JobID::FromInt(1), TaskID::Nil(), 5);
  rpc::ReportGeneratorItemReply reply;
  for (int64_t index : {int64_t{-1}, kMaxGeneratorItems + 1}) {
    rpc::ReportGeneratorItemRequest request;
    request.set_task_id(task.Binary());
    request.set_index(index);
    Sent sent;
    service_.HandleReportGeneratorItem(request, &reply, sent.Reply());
    ASSERT_EQ(sent.statuses.size(), 1u) << index;
    EXPECT_EQ(sent.statuses[0].code(), StatusCode::kInvalidArgument) << index;
  }
  rpc::ReportGeneratorItemRequest no_task;
  no_task.set_task_id("x");
  Sent sent;
  service_.HandleReportGeneratorItem(no_task, &reply, sent.Reply());
  ASSERT_EQ(sent.statuses.size(), 1u);
  EXPECT_EQ(sent.statuses[0].code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(core_worker_.calls.empty());
}

TEST_F(CoreWorkerServiceTest, AGeneratorItemsReplyCarriesTheCallersStop) {
  rpc::ReportGeneratorItemRequest request;
  request.set_task_id(TaskID::ForNormalTask(JobID::FromInt(1), TaskID::Nil(), 5).Binary());
  request.set_index(0);
  rpc::ReportGeneratorItemReply reply;
  service_.HandleReportGeneratorItem(request, &reply, sent_.Reply());
  EXPECT_TRUE(sent_.statuses.empty());  // held for back-pressure until the caller answers
  ASSERT_TRUE(core_worker_.generator_reply);
  core_worker_.generator_reply(true);
  ASSERT_EQ(sent_.statuses.size(), 1u);
  EXPECT_TRUE(reply.stop());
}

TEST_F(CoreWorkerServiceTest, ExitRepliesBeforeTheWorkerActs) {
  rpc::ExitRequest request;
  request.set_graceful(true);
  rpc::ExitReply reply;
  // The reply must be out before the core worker starts exiting (it may end the process).
  service_.HandleExit(request, &reply, [this](Status s) {
    EXPECT_FALSE(core_worker_.exit_graceful.has_value());
    sent_.statuses.push_back(s);
  });
  ASSERT_EQ(sent_.statuses.size(), 1u);
  EXPECT_TRUE(sent_.statuses[0].ok());
  ASSERT_TRUE(core_worker_.exit_graceful.has_value());
  EXPECT_TRUE(*core_worker_.exit_graceful);
}

}  // namespace
}  // namespace colony
