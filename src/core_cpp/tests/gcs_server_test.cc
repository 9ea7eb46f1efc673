// The real GcsServer on an ephemeral port, driven through a gRPC stub.
#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <thread>

#include "gcs.grpc.pb.h"
#include "gcs/gcs_server.h"
#include "gcs/store/in_memory_store_client.h"
#include "rpc/grpc_util.h"

namespace colony::gcs {
namespace {

constexpr const char* kToken = "test-cluster-token";
constexpr int64_t kRpcTimeoutMs = 5000;

class GcsServerTest : public ::testing::Test {
 protected:
  void StartServer(int64_t health_check_timeout_ms = 5000) {
    GcsServerOptions options;
    options.bind_ip = "127.0.0.1";
    options.port = 0;
    options.cluster_token = kToken;
    options.health_check_timeout_ms = health_check_timeout_ms;
    options.session_dir = "/tmp/colony-session-test";
    server_ = std::make_unique<GcsServer>(options, std::make_unique<InMemoryStoreClient>());
    ASSERT_TRUE(server_->Start().ok());
    ASSERT_GT(server_->port(), 0);
    stub_ = rpc::GcsService::NewStub(
        rpc::MakeChannel("127.0.0.1:" + std::to_string(server_->port())));
  }

  // Prepares a context carrying `token`.
  static void Prepare(grpc::ClientContext* ctx, const std::string& token = kToken) {
    rpc::PrepareClientContext(ctx, token, kRpcTimeoutMs);
  }

  rpc::NodeInfo RegisterNode(const NodeID& id) {
    rpc::RegisterNodeRequest request;
    request.mutable_node()->set_node_id(id.Binary());
    request.mutable_node()->set_ip("127.0.0.1");
    (*request.mutable_node()->mutable_resources_total())["CPU"] = 2;
    rpc::RegisterNodeReply reply;
    grpc::ClientContext ctx;
    Prepare(&ctx);
    EXPECT_TRUE(stub_->RegisterNode(&ctx, request, &reply).ok());
    return request.node();
  }

  std::unique_ptr<GcsServer> server_;
  std::unique_ptr<rpc::GcsService::Stub> stub_;
};

TEST_F(GcsServerTest, ServesNodesJobsAndKvOverGrpc) {
  StartServer();
  NodeID node_id = NodeID::FromRandom();
  RegisterNode(node_id);
  {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    rpc::GetAllNodeInfoReply reply;
    ASSERT_TRUE(stub_->GetAllNodeInfo(&ctx, rpc::GetAllNodeInfoRequest(), &reply).ok());
    ASSERT_EQ(reply.nodes_size(), 1);
    EXPECT_TRUE(reply.nodes(0).alive());
    EXPECT_EQ(reply.nodes(0).resources_available().at("CPU"), 2);
  }
  {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    rpc::AddJobReply reply;
    ASSERT_TRUE(stub_->AddJob(&ctx, rpc::AddJobRequest(), &reply).ok());
    EXPECT_EQ(JobID::FromBinary(reply.job_id()).ToInt(), 1u);
  }
  {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    rpc::KvPutRequest request;
    request.set_ns("fn");
    request.set_key("k");
    request.set_value("v");
    rpc::KvPutReply reply;
    ASSERT_TRUE(stub_->KvPut(&ctx, request, &reply).ok());
    EXPECT_TRUE(reply.added());
  }
  {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    rpc::KvGetRequest request;
    request.set_ns("session");
    request.set_key("session_dir");
    rpc::KvGetReply reply;
    ASSERT_TRUE(stub_->KvGet(&ctx, request, &reply).ok());
    EXPECT_TRUE(reply.found());
    EXPECT_EQ(reply.value(), "/tmp/colony-session-test");
  }
  {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    rpc::ReportResourcesRequest request;
    request.set_node_id(NodeID::FromRandom().Binary());
    rpc::ReportResourcesReply reply;
    ASSERT_TRUE(stub_->ReportResources(&ctx, request, &reply).ok());
    EXPECT_TRUE(reply.node_unknown());
  }
  {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    rpc::RegisterNodeRequest request;
    request.mutable_node()->set_node_id("short");
    rpc::RegisterNodeReply reply;
    EXPECT_EQ(stub_->RegisterNode(&ctx, request, &reply).error_code(),
              grpc::StatusCode::INVALID_ARGUMENT);
  }
}

TEST_F(GcsServerTest, WrongOrMissingTokenIsUnauthenticated) {
  StartServer();
  for (const std::string token : {"wrong-token", ""}) {
    grpc::ClientContext ctx;
    Prepare(&ctx, token);
    rpc::KvKeysReply reply;
    grpc::Status status = stub_->KvKeys(&ctx, rpc::KvKeysRequest(), &reply);
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAUTHENTICATED) << "token: " << token;
  }
}

TEST_F(GcsServerTest, LongPollIsWokenByRegistrationAndHealthCheck) {
  StartServer(/*health_check_timeout_ms=*/300);
  auto poll = [this](int64_t after_sequence) {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    rpc::PollNodeChangesRequest request;
    request.set_after_sequence(after_sequence);
    rpc::PollNodeChangesReply reply;
    EXPECT_TRUE(stub_->PollNodeChanges(&ctx, request, &reply).ok());
    return reply;
  };
  auto held = std::async(std::launch::async, poll, 0);
  EXPECT_EQ(held.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  NodeID node_id = NodeID::FromRandom();
  RegisterNode(node_id);
  rpc::PollNodeChangesReply joined = held.get();
  ASSERT_EQ(joined.changed_size(), 1);
  EXPECT_TRUE(joined.changed(0).alive());

  // The node never reports resources, so the health check declares it dead.
  rpc::PollNodeChangesReply died = poll(joined.sequence());
  ASSERT_EQ(died.changed_size(), 1);
  EXPECT_EQ(died.changed(0).node_id(), node_id.Binary());
  EXPECT_FALSE(died.changed(0).alive());
  EXPECT_EQ(died.changed(0).death_reason(), "health check timed out");
  EXPECT_GT(died.sequence(), joined.sequence());
}

TEST_F(GcsServerTest, StopAnswersHeldPolls) {
  StartServer();
  auto held = std::async(std::launch::async, [this]() {
    grpc::ClientContext ctx;
    Prepare(&ctx);
    rpc::PollNodeChangesReply reply;
    return stub_->PollNodeChanges(&ctx, rpc::PollNodeChangesRequest(), &reply);
  });
  EXPECT_EQ(held.wait_for(std::chrono::milliseconds(200)), std::future_status::timeout);
  auto start = std::chrono::steady_clock::now();
  server_->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  EXPECT_EQ(held.wait_for(std::chrono::seconds(3)), std::future_status::ready);
}

}  // namespace
}  // namespace colony::gcs
