#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <thread>
#include <vector>

#include "common.pb.h"
#include "common/id.h"
#include "rpc/local_rpc.h"

namespace colony::rpc {
namespace {

using namespace std::chrono_literals;

struct Result {
  Status status;
  Address reply;
};

// Calls and waits up to 10 s for the answer.
Result CallAndWait(LocalClient* client, const Address& request,
                   LocalMethod method = LocalMethod::kPushTask) {
  auto promise = std::make_shared<std::promise<Result>>();
  auto future = promise->get_future();
  bool sent = client->Call(method, request, [promise](Status status, std::string_view body) {
    Result result{status, {}};
    if (status.ok()) result.reply.ParseFromArray(body.data(), static_cast<int>(body.size()));
    promise->set_value(std::move(result));
  });
  if (!sent) return {Status::Unavailable("not sent"), {}};
  if (future.wait_for(10s) != std::future_status::ready) return {Status::TimedOut("no answer"), {}};
  return future.get();
}

std::string UniqueName() { return "test-" + WorkerID::FromRandom().Hex(); }

// Answers each call with its request's ip followed by "!".
void ServeEcho(LocalRpc* server) {
  server->Handle(LocalMethod::kPushTask, [](std::string_view body, LocalResponder responder) {
    Address request;
    request.ParseFromArray(body.data(), static_cast<int>(body.size()));
    Address reply;
    reply.set_ip(request.ip() + "!");
    reply.set_worker_id(request.worker_id());
    responder.Send(Status::OK(), reply);
  });
}

class LocalRpcTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(server_.Start().ok());
    ASSERT_TRUE(client_side_.Start().ok());
  }
  // Listens (set the server's handlers first) and connects a client.
  std::shared_ptr<LocalClient> ListenAndConnect() {
    EXPECT_TRUE(server_.Listen(name_).ok());
    return client_side_.Connect(name_);
  }

  std::string name_ = UniqueName();
  LocalRpc server_{"token"};
  LocalRpc client_side_{"token"};
};

TEST_F(LocalRpcTest, CallsAreAnswered) {
  ServeEcho(&server_);
  auto client = ListenAndConnect();
  ASSERT_NE(client, nullptr);
  Address request;
  request.set_ip("hello");
  Result result = CallAndWait(client.get(), request);
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_EQ(result.reply.ip(), "hello!");
}

TEST_F(LocalRpcTest, NobodyListeningMeansNoClient) {
  EXPECT_EQ(client_side_.Connect(UniqueName()), nullptr);
}

TEST(LocalRpcEdgeTest, AConnectionWithTheWrongTokenIsDropped) {
  std::string name = UniqueName();
  LocalRpc server("right"), client_side("wrong");
  ASSERT_TRUE(server.Start().ok());
  bool handled = false;
  server.Handle(LocalMethod::kPushTask, [&handled](std::string_view, LocalResponder responder) {
    handled = true;
    responder.Send(Status::OK(), Address());
  });
  ASSERT_TRUE(server.Listen(name).ok());
  ASSERT_TRUE(client_side.Start().ok());
  auto client = client_side.Connect(name);
  ASSERT_NE(client, nullptr);
  Result result = CallAndWait(client.get(), Address());
  EXPECT_EQ(result.status.code(), StatusCode::kUnavailable) << result.status.ToString();
  EXPECT_FALSE(handled);
  EXPECT_TRUE(client->closed());
}

TEST_F(LocalRpcTest, ErrorsAndUnknownMethodsReachTheCaller) {
  server_.Handle(LocalMethod::kPushTask, [](std::string_view, LocalResponder responder) {
    responder.Send(Status::NotFound("no such task"), Address());
  });
  auto client = ListenAndConnect();
  ASSERT_NE(client, nullptr);
  Result result = CallAndWait(client.get(), Address());
  EXPECT_EQ(result.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(result.status.message(), "no such task");
  result = CallAndWait(client.get(), Address(), static_cast<LocalMethod>(99));
  EXPECT_EQ(result.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(result.status.message().find("unknown local rpc method 99"), std::string::npos);
}

TEST(LocalRpcEdgeTest, ServerShutdownFailsCallsInFlightAndLaterCallsAreNotSent) {
  std::string name = UniqueName();
  auto server = std::make_unique<LocalRpc>("token");
  LocalRpc client_side("token");
  ASSERT_TRUE(server->Start().ok());
  std::promise<void> received;
  std::vector<LocalResponder> held;  // never answered
  server->Handle(LocalMethod::kPushTask, [&](std::string_view, LocalResponder responder) {
    held.push_back(responder);
    received.set_value();
  });
  ASSERT_TRUE(server->Listen(name).ok());
  ASSERT_TRUE(client_side.Start().ok());
  auto client = client_side.Connect(name);
  ASSERT_NE(client, nullptr);
  auto answer = std::make_shared<std::promise<Status>>();
  ASSERT_TRUE(client->Call(LocalMethod::kPushTask, Address(),
                           [answer](Status s, std::string_view) { answer->set_value(s); }));
  ASSERT_EQ(received.get_future().wait_for(10s), std::future_status::ready);
  server->Shutdown();
  auto future = answer->get_future();
  ASSERT_EQ(future.wait_for(10s), std::future_status::ready);
  EXPECT_EQ(future.get().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(client->closed());
  EXPECT_FALSE(client->Call(LocalMethod::kPushTask, Address(), [](Status, std::string_view) {}));
  held.front().Send(Status::OK(), Address());  // a late answer to a closed connection is dropped
}

TEST_F(LocalRpcTest, LargeMessagesCrossBothWays) {
  ServeEcho(&server_);
  auto client = ListenAndConnect();
  ASSERT_NE(client, nullptr);
  Address request;
  std::string big(24 << 20, 'x');  // far beyond the socket buffer: written in parts
  for (size_t i = 0; i < big.size(); i += 4096) big[i] = static_cast<char>('a' + i / 4096 % 26);
  request.set_worker_id(big);
  Result result = CallAndWait(client.get(), request);
  ASSERT_TRUE(result.status.ok()) << result.status.ToString();
  EXPECT_TRUE(result.reply.worker_id() == big);
}

TEST_F(LocalRpcTest, ConcurrentCallersAnsweredFromAnotherThread) {
  // Answers come from a separate thread, as an executing worker answers.
  std::mutex mu;
  std::vector<std::pair<Address, LocalResponder>> inbox;
  std::atomic<bool> done{false};
  server_.Handle(LocalMethod::kPushTask, [&](std::string_view body, LocalResponder responder) {
    Address request;
    request.ParseFromArray(body.data(), static_cast<int>(body.size()));
    std::lock_guard<std::mutex> lock(mu);
    inbox.emplace_back(std::move(request), std::move(responder));
  });
  std::thread answerer([&]() {
    while (!done) {
      std::vector<std::pair<Address, LocalResponder>> batch;
      {
        std::lock_guard<std::mutex> lock(mu);
        batch.swap(inbox);
      }
      for (auto& [request, responder] : batch) {
        Address reply;
        reply.set_port(request.port() * 2);
        responder.Send(Status::OK(), reply);
      }
      std::this_thread::sleep_for(100us);
    }
  });
  auto client = ListenAndConnect();
  ASSERT_NE(client, nullptr);
  constexpr int kThreads = 4, kCalls = 500;
  std::atomic<int> right{0}, answered{0};
  std::vector<std::thread> callers;
  for (int t = 0; t < kThreads; t++) {
    callers.emplace_back([&, t]() {
      for (int i = 0; i < kCalls; i++) {
        Address request;
        int port = t * kCalls + i;
        request.set_port(port);
        client->Call(LocalMethod::kPushTask, request, [&, port](Status s, std::string_view body) {
          Address reply;
          reply.ParseFromArray(body.data(), static_cast<int>(body.size()));
          if (s.ok() && reply.port() == port * 2) right++;
          answered++;
        });
      }
    });
  }
  for (auto& c : callers) c.join();
  for (int i = 0; i < 1000 && answered < kThreads * kCalls; i++) std::this_thread::sleep_for(10ms);
  done = true;
  answerer.join();
  EXPECT_EQ(answered.load(), kThreads * kCalls);
  EXPECT_EQ(right.load(), kThreads * kCalls);
}

}  // namespace
}  // namespace colony::rpc
