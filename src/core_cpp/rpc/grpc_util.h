// Shared gRPC plumbing: the cluster-token check every server runs on every call, client
// contexts that carry the token, async unary calls with owned state, and a server wrapper.
#pragma once

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "common/event_loop.h"
#include "common/resources.h"
#include "common/status.h"
#include "common.pb.h"

namespace colony::rpc {

inline constexpr const char* kTokenMetadataKey = "colony-token";

// Completes a server call; handlers may call it later (long polls).
using SendReply = std::function<void(Status)>;

Status FromGrpcStatus(const grpc::Status& status);
grpc::Status ToGrpcStatus(const Status& status);

// The token every call must carry; empty disables the check (tests of bare servers).
bool TokenMatches(const grpc::CallbackServerContext* ctx, const std::string& token);
void PrepareClientContext(grpc::ClientContext* ctx, const std::string& token, int64_t timeout_ms);

// Transport security of every gRPC channel and server of this process, from the
// environment: COLONY_TLS_CA (PEM file of the cluster CA; set = TLS on), COLONY_TLS_CERT and
// COLONY_TLS_KEY (PEM files of this node's certificate and key, needed to serve). Channels
// verify the server's certificate against the CA and the target's IP (SAN). Re-read when
// the variables change (a driver may init against another cluster).
struct TlsSettings {
  bool enabled = false;
  std::string ca_pem;
  std::string cert_pem;  // empty: this process cannot serve over TLS
  std::string key_pem;
  std::string error;     // a named file could not be read
};
std::shared_ptr<const TlsSettings> CurrentTls();

// A channel to `address` (IP:PORT, or a list of heads "IP:PORT,IP:PORT" that reaches the
// one serving: rpc/head_addresses.h), TLS if CurrentTls() says so.
std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address);

ResourceSet ResourcesFromProto(const google::protobuf::Map<std::string, double>& map);
void ResourcesToProto(const ResourceSet& set, google::protobuf::Map<std::string, double>* map);
std::string AddressToString(const Address& address);

// Wraps a unary callback-API call; the callback runs on a gRPC thread. Example:
//   CallUnary<Req, Reply>(token, 5000, req,
//       [stub](auto* ctx, auto* req, auto* reply, auto done) {
//         stub->async()->Method(ctx, req, reply, std::move(done)); },
//       [](Status s, Reply&& reply) { ... });
template <typename Request, typename Reply>
void CallUnary(const std::string& token, int64_t timeout_ms, Request request,
               std::function<void(grpc::ClientContext*, const Request*, Reply*,
                                  std::function<void(grpc::Status)>)> start,
               std::function<void(Status, Reply&&)> callback) {
  struct Call {
    grpc::ClientContext ctx;
    Request request;
    Reply reply;
  };
  auto* call = new Call();
  call->request = std::move(request);
  PrepareClientContext(&call->ctx, token, timeout_ms);
  start(&call->ctx, &call->request, &call->reply,
        [call, callback = std::move(callback)](grpc::Status status) {
          callback(FromGrpcStatus(status), std::move(call->reply));
          delete call;
        });
}

// Dispatches one server call: checks the token, then runs `handle` on `loop` (or inline
// when loop is null) with a SendReply that finishes the call.
grpc::ServerUnaryReactor* Dispatch(grpc::CallbackServerContext* ctx, const std::string& token,
                                   EventLoop* loop, std::function<void(SendReply)> handle);

// Routes METHOD to (HANDLER).HandleMETHOD(request, reply, send_reply) on loop_; HANDLER
// is an expression naming the object that owns the method's state.
#define COLONY_RPC_METHOD_TO(METHOD, HANDLER)                                           \
  grpc::ServerUnaryReactor* METHOD(grpc::CallbackServerContext* ctx,                    \
                                   const ::colony::rpc::METHOD##Request* request,       \
                                   ::colony::rpc::METHOD##Reply* reply) override {      \
    return ::colony::rpc::Dispatch(ctx, token_, loop_, [this, request, reply](          \
                                                           ::colony::rpc::SendReply s) { \
      (HANDLER).Handle##METHOD(*request, reply, std::move(s));                          \
    });                                                                                 \
  }

// Routes METHOD to handler_->HandleMETHOD(request, reply, send_reply) on loop_.
#define COLONY_RPC_METHOD(METHOD) COLONY_RPC_METHOD_TO(METHOD, *handler_)

class GrpcServer {
 public:
  GrpcServer(std::string name, std::string bind_ip, int port)
      : name_(std::move(name)), bind_ip_(std::move(bind_ip)), port_(port) {}
  ~GrpcServer() { Shutdown(); }
  void RegisterService(grpc::Service* service) { services_.push_back(service); }
  // Binds and starts serving; port() then reports the bound port (useful with port 0).
  Status Start();
  void Shutdown();
  int port() const { return port_; }

 private:
  std::string name_;
  std::string bind_ip_;
  int port_;
  std::vector<grpc::Service*> services_;
  std::unique_ptr<grpc::Server> server_;
};

}  // namespace colony::rpc
