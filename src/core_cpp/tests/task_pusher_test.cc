#include <gtest/gtest.h>

#include <chrono>
#include <future>

#include "common/id.h"
#include "core_worker/task_pusher.h"

namespace colony {
namespace {

using namespace std::chrono_literals;

// Which route a push took shows in its reply: the local side sets is_application_error,
// the gRPC side worker_exiting.
class GrpcWorker : public rpc::CoreWorkerService::CallbackService {
 public:
  grpc::ServerUnaryReactor* PushTask(grpc::CallbackServerContext* ctx,
                                     const rpc::PushTaskRequest*, rpc::PushTaskReply* reply) override {
    pushes++;
    reply->set_worker_exiting(true);
    auto* reactor = ctx->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  std::atomic<int> pushes{0};
};

struct Answer {
  Status status;
  std::string route;
};

Answer PushAndWait(TaskPusher* pusher, const rpc::Address& worker) {
  auto promise = std::make_shared<std::promise<Answer>>();
  auto future = promise->get_future();
  pusher->Push(worker, rpc::PushTaskRequest(), [promise](Status s, rpc::PushTaskReply&& reply) {
    promise->set_value({s, reply.is_application_error() ? "local"
                           : reply.worker_exiting()     ? "grpc"
                                                        : ""});
  });
  if (future.wait_for(10s) != std::future_status::ready) return {Status::TimedOut("no answer"), ""};
  return future.get();
}

class TaskPusherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.RegisterService(&grpc_worker_);
    ASSERT_TRUE(server_.Start().ok());
    ASSERT_TRUE(local_.Start().ok());
  }
  rpc::Address WorkerAt(const WorkerID& id) {
    rpc::Address address;
    address.set_ip("127.0.0.1");
    address.set_port(server_.port());
    address.set_worker_id(id.Binary());
    return address;
  }

  GrpcWorker grpc_worker_;
  rpc::GrpcServer server_{"worker", "127.0.0.1", 0};
  ClientPool<rpc::CoreWorkerService> clients_;
  rpc::LocalRpc local_{"token"};
  TaskPusher pusher_{&clients_, &local_, "token"};
};

TEST_F(TaskPusherTest, AWorkerOnThisHostIsReachedLocallyAnotherOverGrpc) {
  WorkerID here = WorkerID::FromRandom(), elsewhere = WorkerID::FromRandom();
  rpc::LocalRpc worker_side("token");
  ASSERT_TRUE(worker_side.Start().ok());
  worker_side.Handle(rpc::LocalMethod::kPushTask, [](std::string_view, rpc::LocalResponder r) {
    rpc::PushTaskReply reply;
    reply.set_is_application_error(true);
    r.Send(Status::OK(), reply);
  });
  ASSERT_TRUE(worker_side.Listen(rpc::LocalWorkerSocketName(here.Binary())).ok());

  Answer answer = PushAndWait(&pusher_, WorkerAt(here));
  ASSERT_TRUE(answer.status.ok()) << answer.status.ToString();
  EXPECT_EQ(answer.route, "local");
  answer = PushAndWait(&pusher_, WorkerAt(elsewhere));
  ASSERT_TRUE(answer.status.ok()) << answer.status.ToString();
  EXPECT_EQ(answer.route, "grpc");
  EXPECT_EQ(grpc_worker_.pushes.load(), 1);

  // The worker's local side goes away (it exited): pushes fail or take gRPC, never hang.
  worker_side.Shutdown();
  for (int i = 0; i < 3; i++) {
    answer = PushAndWait(&pusher_, WorkerAt(here));
    EXPECT_NE(answer.status.code(), StatusCode::kTimedOut);
  }
  EXPECT_EQ(answer.route, "grpc");
}

}  // namespace
}  // namespace colony
