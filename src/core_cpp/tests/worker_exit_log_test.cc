// WorkerExitLog: the raylet's memory of recent worker exits, asked by task owners whose
// worker died (GetWorkerFailureCause), on a hand-driven loop with a frozen clock.
#include "raylet/worker_exit_log.h"

#include <gtest/gtest.h>

#include <optional>

namespace colony::raylet {
namespace {

struct Answer {
  std::optional<Status> status;
  rpc::GetWorkerFailureCauseReply reply;
};

void Ask(WorkerExitLog& log, const WorkerID& id, Answer* answer) {
  rpc::GetWorkerFailureCauseRequest request;
  request.set_worker_id(id.Binary());
  log.HandleGetWorkerFailureCause(request, &answer->reply,
                                  [answer](Status s) { answer->status = s; });
}

WorkerExit OomExit(const WorkerID& id) {
  return WorkerExit{id, 42, "the worker (pid 42) used over its memory= limit of 100 bytes", false,
                    true};
}

TEST(WorkerExitLogTest, AKnownExitIsAnsweredAtOnce) {
  EventLoop loop;
  loop.FreezeTime();
  WorkerExitLog log(&loop, 2000);
  WorkerID id = WorkerID::FromRandom();
  log.Record(OomExit(id));
  Answer answer;
  Ask(log, id, &answer);
  ASSERT_TRUE(answer.status.has_value());
  EXPECT_TRUE(answer.reply.found());
  EXPECT_TRUE(answer.reply.out_of_memory());
  EXPECT_NE(answer.reply.reason().find("memory= limit of 100 bytes"), std::string::npos);
}

TEST(WorkerExitLogTest, AQuestionBeforeTheReapWaitsForTheExit) {
  EventLoop loop;
  loop.FreezeTime();
  WorkerExitLog log(&loop, 2000);
  WorkerID id = WorkerID::FromRandom();
  Answer answer;
  Ask(log, id, &answer);
  loop.AdvanceTime(500);
  loop.RunPending();
  EXPECT_FALSE(answer.status.has_value());  // still waiting
  log.Record(OomExit(id));
  ASSERT_TRUE(answer.status.has_value());
  EXPECT_TRUE(answer.reply.out_of_memory());
  loop.AdvanceTime(5000);
  loop.RunPending();  // the timeout finds nothing left to answer
}

TEST(WorkerExitLogTest, AnUnknownWorkerIsNotFoundAfterTheWait) {
  EventLoop loop;
  loop.FreezeTime();
  WorkerExitLog log(&loop, 2000);
  Answer answer;
  Ask(log, WorkerID::FromRandom(), &answer);
  loop.AdvanceTime(1999);
  loop.RunPending();
  EXPECT_FALSE(answer.status.has_value());
  loop.AdvanceTime(2);
  loop.RunPending();
  ASSERT_TRUE(answer.status.has_value());
  EXPECT_TRUE(answer.status->ok());
  EXPECT_FALSE(answer.reply.found());
}

TEST(WorkerExitLogTest, OldExitsAreForgottenAndStopAnswersTheWaiting) {
  EventLoop loop;
  loop.FreezeTime();
  WorkerExitLog log(&loop, 2000, /*capacity=*/2);
  WorkerID first = WorkerID::FromRandom();
  log.Record(WorkerExit{first, 1, "exited with code 1", false, false});
  log.Record(WorkerExit{WorkerID::FromRandom(), 2, "exited with code 1", false, false});
  log.Record(WorkerExit{WorkerID::FromRandom(), 3, "exited with code 1", false, false});
  Answer forgotten;
  Ask(log, first, &forgotten);
  EXPECT_FALSE(forgotten.status.has_value());  // waits, as for a worker not yet reaped
  log.Stop();
  ASSERT_TRUE(forgotten.status.has_value());
  EXPECT_FALSE(forgotten.reply.found());
}

TEST(WorkerExitLogTest, ABadWorkerIdIsRefusedByName) {
  EventLoop loop;
  WorkerExitLog log(&loop);
  rpc::GetWorkerFailureCauseRequest request;
  request.set_worker_id("short");
  rpc::GetWorkerFailureCauseReply reply;
  std::optional<Status> status;
  log.HandleGetWorkerFailureCause(request, &reply, [&](Status s) { status = s; });
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status->message().find("worker_id"), std::string::npos);
}

}  // namespace
}  // namespace colony::raylet
