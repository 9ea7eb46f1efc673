#include "raylet/gcs_client.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "common/logging.h"

namespace colony::raylet {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

GcsClient::GcsClient(std::string address, std::string token, EventLoop* loop)
    : address_(std::move(address)),
      token_(std::move(token)),
      loop_(loop),
      stub_(rpc::GcsService::NewStub(rpc::MakeChannel(address_))) {}

GcsClient::~GcsClient() {
  CancelAll();
  std::unique_lock<std::mutex> lock(mu_);
  idle_cv_.wait(lock, [this] { return in_flight_.empty(); });
}

Status GcsClient::RegisterNode(const rpc::NodeInfo& node, int64_t timeout_ms) {
  rpc::RegisterNodeRequest request;
  *request.mutable_node() = node;
  int64_t deadline = NowMs() + timeout_ms;
  Status last;
  while (true) {
    int64_t left = deadline - NowMs();
    if (left <= 0) break;
    grpc::ClientContext ctx;
    rpc::PrepareClientContext(&ctx, token_, std::min<int64_t>(left, 2000));
    rpc::RegisterNodeReply reply;
    last = rpc::FromGrpcStatus(stub_->RegisterNode(&ctx, request, &reply));
    if (last.ok()) return last;
    if (last.code() == StatusCode::kUnauthenticated || last.code() == StatusCode::kInvalidArgument) {
      return Status(last.code(), "the GCS at " + address_ + " refused to register this node: " +
                                     last.ToString());
    }
    COLONY_LOG(DEBUG) << "RegisterNode at " << address_ << " failed: " << last.ToString();
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min<int64_t>(250, left)));
  }
  return Status(last.code() == StatusCode::kOk ? StatusCode::kTimedOut : last.code(),
                "cannot register with the GCS at " + address_ + " within " +
                    std::to_string(timeout_ms) + " ms: " + last.ToString());
}

Status GcsClient::UnregisterNode(const NodeID& node_id, const std::string& reason,
                                 int64_t timeout_ms) {
  rpc::UnregisterNodeRequest request;
  request.set_node_id(node_id.Binary());
  request.set_reason(reason);
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, token_, timeout_ms);
  rpc::UnregisterNodeReply reply;
  return rpc::FromGrpcStatus(stub_->UnregisterNode(&ctx, request, &reply));
}

void GcsClient::ReportResources(rpc::ReportResourcesRequest request, int64_t timeout_ms,
                                Callback<rpc::ReportResourcesReply> callback) {
  Call<rpc::ReportResourcesRequest, rpc::ReportResourcesReply>(
      std::move(request), timeout_ms,
      [this](auto* ctx, auto* req, auto* reply, auto done) {
        stub_->async()->ReportResources(ctx, req, reply, std::move(done));
      },
      std::move(callback));
}

void GcsClient::PollNodeChanges(int64_t after_sequence, int64_t timeout_ms,
                                Callback<rpc::PollNodeChangesReply> callback) {
  rpc::PollNodeChangesRequest request;
  request.set_after_sequence(after_sequence);
  Call<rpc::PollNodeChangesRequest, rpc::PollNodeChangesReply>(
      std::move(request), timeout_ms,
      [this](auto* ctx, auto* req, auto* reply, auto done) {
        stub_->async()->PollNodeChanges(ctx, req, reply, std::move(done));
      },
      std::move(callback));
}

void GcsClient::GetAllNodeInfo(int64_t timeout_ms, Callback<rpc::GetAllNodeInfoReply> callback) {
  Call<rpc::GetAllNodeInfoRequest, rpc::GetAllNodeInfoReply>(
      rpc::GetAllNodeInfoRequest(), timeout_ms,
      [this](auto* ctx, auto* req, auto* reply, auto done) {
        stub_->async()->GetAllNodeInfo(ctx, req, reply, std::move(done));
      },
      std::move(callback));
}

void GcsClient::GetAllJobInfo(int64_t timeout_ms, Callback<rpc::GetAllJobInfoReply> callback) {
  CallRetrying<rpc::GetAllJobInfoRequest, rpc::GetAllJobInfoReply>(
      rpc::GetAllJobInfoRequest(), timeout_ms,
      [this](auto* ctx, auto* req, auto* reply, auto done) {
        stub_->async()->GetAllJobInfo(ctx, req, reply, std::move(done));
      },
      std::move(callback), NowMs() + rpc::GcsReconnectTimeoutMs(),
      std::make_shared<rpc::GcsBackoff>());
}

void GcsClient::KvGet(const std::string& ns, const std::string& key, int64_t timeout_ms,
                      Callback<rpc::KvGetReply> callback) {
  rpc::KvGetRequest request;
  request.set_ns(ns);
  request.set_key(key);
  CallRetrying<rpc::KvGetRequest, rpc::KvGetReply>(
      std::move(request), timeout_ms,
      [this](auto* ctx, auto* req, auto* reply, auto done) {
        stub_->async()->KvGet(ctx, req, reply, std::move(done));
      },
      std::move(callback), NowMs() + rpc::GcsReconnectTimeoutMs(),
      std::make_shared<rpc::GcsBackoff>());
}

void GcsClient::ReportWorkerFailure(rpc::ReportWorkerFailureRequest request, int64_t timeout_ms,
                                    Callback<rpc::ReportWorkerFailureReply> callback) {
  CallRetrying<rpc::ReportWorkerFailureRequest, rpc::ReportWorkerFailureReply>(
      std::move(request), timeout_ms,
      [this](auto* ctx, auto* req, auto* reply, auto done) {
        stub_->async()->ReportWorkerFailure(ctx, req, reply, std::move(done));
      },
      std::move(callback), NowMs() + rpc::GcsReconnectTimeoutMs(),
      std::make_shared<rpc::GcsBackoff>());
}

template <typename Request, typename Reply, typename Start>
void GcsClient::CallRetrying(Request request, int64_t timeout_ms, Start start,
                             Callback<Reply> callback, int64_t deadline_ms,
                             std::shared_ptr<rpc::GcsBackoff> backoff) {
  Request copy = request;
  Call<Request, Reply>(
      std::move(copy), timeout_ms, start,
      [this, request = std::move(request), timeout_ms, start, callback, deadline_ms,
       backoff](Status status, Reply&& reply) mutable {
        int64_t delay = backoff->NextDelayMs();
        if (!rpc::IsGcsUnavailable(status) || NowMs() + delay >= deadline_ms) {
          callback(status, std::move(reply));
          return;
        }
        COLONY_LOG(DEBUG) << Request::descriptor()->name() << " to the GCS at " << address_
                          << " failed (" << status.ToString() << "); retrying in " << delay
                          << " ms";
        loop_->PostDelayed(
            [this, request = std::move(request), timeout_ms, start, callback, deadline_ms,
             backoff]() mutable {
              CallRetrying<Request, Reply>(std::move(request), timeout_ms, start,
                                           std::move(callback), deadline_ms, backoff);
            },
            delay);
      });
}

template <typename Request, typename Reply, typename Start>
void GcsClient::Call(Request request, int64_t timeout_ms, Start start, Callback<Reply> callback) {
  struct State {
    grpc::ClientContext ctx;
    Request request;
    Reply reply;
  };
  auto state = std::make_shared<State>();
  state->request = std::move(request);
  rpc::PrepareClientContext(&state->ctx, token_, timeout_ms);
  if (!Track(&state->ctx)) {
    loop_->Post([callback] { callback(Status::Cancelled("GCS client stopped"), Reply()); });
    return;
  }
  std::function<void(grpc::Status)> done = [this, state, callback](grpc::Status grpc_status) {
    Status status = rpc::FromGrpcStatus(grpc_status);
    auto reply = std::make_shared<Reply>(std::move(state->reply));
    loop_->Post([callback, status, reply] { callback(status, std::move(*reply)); });
    Untrack(&state->ctx);
  };
  start(&state->ctx, &state->request, &state->reply, std::move(done));
}

bool GcsClient::Track(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  if (canceled_) return false;
  in_flight_.insert(ctx);
  return true;
}

void GcsClient::Untrack(grpc::ClientContext* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_.erase(ctx);
  if (in_flight_.empty()) idle_cv_.notify_all();
}

void GcsClient::CancelAll() {
  std::lock_guard<std::mutex> lock(mu_);
  canceled_ = true;
  for (auto* ctx : in_flight_) ctx->TryCancel();
}

}  // namespace colony::raylet
