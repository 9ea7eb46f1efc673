#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstring>
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

// The frame decoder shared by the IO thread and src/core_cpp/fuzz/local_frames_fuzzer.
TEST(LocalRpcFrameTest, ParsesWholeFramesAndRefusesOversizedOnes) {
  auto header = [](uint32_t size, uint32_t word, uint64_t call_id) {
    std::string h(kLocalFrameHeaderSize, '\0');
    std::memcpy(h.data(), &size, 4);
    std::memcpy(h.data() + 4, &word, 4);
    std::memcpy(h.data() + 8, &call_id, 8);
    return h;
  };
  std::string stream = header(3, 1, 42) + "abc" + header(5, 0, 7) + "de";
  LocalFrame frame;
  auto n = ParseLocalFrame(stream, kMaxLocalFrameBody, &frame);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, kLocalFrameHeaderSize + 3);
  EXPECT_EQ(frame.word, 1u);
  EXPECT_EQ(frame.call_id, 42u);
  EXPECT_EQ(frame.body, "abc");
  n = ParseLocalFrame(std::string_view(stream).substr(*n), kMaxLocalFrameBody, &frame);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 0u);  // only part of the second frame
  EXPECT_EQ(*ParseLocalFrame(stream.substr(0, 5), kMaxLocalFrameBody, &frame), 0u);
  // A length of 4 GiB - 1, or anything over the limit, is an error naming the field.
  for (uint32_t size : {UINT32_MAX, kMaxLocalFrameBody + 1}) {
    n = ParseLocalFrame(header(size, 1, 1), kMaxLocalFrameBody, &frame);
    ASSERT_FALSE(n.ok());
    EXPECT_EQ(n.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(n.status().message().find("body_size"), std::string::npos);
  }
  EXPECT_FALSE(ParseLocalFrame(header(kMaxLocalHelloBody + 1, 0, 0), kMaxLocalHelloBody, &frame).ok());
  EXPECT_EQ(LocalReplyStatusCode(2), StatusCode::kNotFound);
  EXPECT_EQ(LocalReplyStatusCode(1000), StatusCode::kInternal);  // unknown codes stay errors
}

// Before its hello a connection may not announce a big frame: the server would buffer it.
TEST(LocalRpcEdgeTest, ABigFrameBeforeTheHelloIsDropped) {
  std::string name = UniqueName();
  LocalRpc server("token");
  ASSERT_TRUE(server.Start().ok());
  ASSERT_TRUE(server.Listen(name).ok());
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = "colony-" + name;
  std::memcpy(addr.sun_path + 1, path.data(), path.size());
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr),
                    static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + path.size())),
            0);
  std::string frame(kLocalFrameHeaderSize, '\0');
  uint32_t size = 100u << 20;
  std::memcpy(frame.data(), &size, 4);
  ASSERT_EQ(write(fd, frame.data(), frame.size()), static_cast<ssize_t>(frame.size()));
  char byte;
  EXPECT_EQ(read(fd, &byte, 1), 0);  // closed without waiting for the 100 MiB
  close(fd);
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
