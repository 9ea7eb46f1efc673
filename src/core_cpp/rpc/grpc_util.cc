#include "rpc/grpc_util.h"

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <mutex>
#include <sstream>
#include <tuple>

#include "common/logging.h"
#include "common/security.h"
#include "rpc/head_addresses.h"

namespace colony::rpc {

Status FromGrpcStatus(const grpc::Status& status) {
  if (status.ok()) return Status::OK();
  switch (status.error_code()) {
    case grpc::StatusCode::UNAVAILABLE:
      return Status::Unavailable(status.error_message());
    case grpc::StatusCode::DEADLINE_EXCEEDED:
      return Status::TimedOut(status.error_message());
    case grpc::StatusCode::UNAUTHENTICATED:
      return Status::Unauthenticated(status.error_message());
    case grpc::StatusCode::NOT_FOUND:
      return Status::NotFound(status.error_message());
    case grpc::StatusCode::ALREADY_EXISTS:
      return Status::AlreadyExists(status.error_message());
    case grpc::StatusCode::INVALID_ARGUMENT:
      return Status::InvalidArgument(status.error_message());
    case grpc::StatusCode::CANCELLED:
      return Status::Cancelled(status.error_message());
    default:
      return Status::IOError(status.error_message());
  }
}

grpc::Status ToGrpcStatus(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return grpc::Status::OK;
    case StatusCode::kInvalidArgument:
      return {grpc::StatusCode::INVALID_ARGUMENT, status.message()};
    case StatusCode::kNotFound:
      return {grpc::StatusCode::NOT_FOUND, status.message()};
    case StatusCode::kAlreadyExists:
      return {grpc::StatusCode::ALREADY_EXISTS, status.message()};
    case StatusCode::kUnauthenticated:
      return {grpc::StatusCode::UNAUTHENTICATED, status.message()};
    case StatusCode::kUnavailable:
      return {grpc::StatusCode::UNAVAILABLE, status.message()};
    default:
      return {grpc::StatusCode::INTERNAL, status.ToString()};
  }
}

bool TokenMatches(const grpc::CallbackServerContext* ctx, const std::string& token) {
  if (token.empty()) return true;
  const auto& md = ctx->client_metadata();
  auto it = md.find(kTokenMetadataKey);
  if (it == md.end()) return false;
  // Constant time: a caller must not learn from the reply time how much of a guess is right.
  return ConstantTimeEquals(token, std::string_view(it->second.data(), it->second.size()));
}

void PrepareClientContext(grpc::ClientContext* ctx, const std::string& token, int64_t timeout_ms) {
  if (!token.empty()) ctx->AddMetadata(kTokenMetadataKey, token);
  if (timeout_ms > 0) {
    ctx->set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(timeout_ms));
  }
}

namespace {
constexpr int kConnectTimeoutMs = 5000;

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value == nullptr ? "" : value;
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream text;
  text << in.rdbuf();
  *out = text.str();
  return true;
}

std::shared_ptr<const TlsSettings> LoadTls(const std::string& ca, const std::string& cert,
                                           const std::string& key) {
  auto tls = std::make_shared<TlsSettings>();
  tls->enabled = !ca.empty();
  if (!tls->enabled) return tls;
  for (auto [name, path, out] : {std::make_tuple("COLONY_TLS_CA", &ca, &tls->ca_pem),
                                 std::make_tuple("COLONY_TLS_CERT", &cert, &tls->cert_pem),
                                 std::make_tuple("COLONY_TLS_KEY", &key, &tls->key_pem)}) {
    if (path->empty()) continue;
    if (!ReadWholeFile(*path, out) || out->empty()) {
      tls->error = std::string("cannot read ") + name + " file " + *path;
      COLONY_LOG(ERROR) << tls->error;
    }
  }
  if (tls->error.empty() && tls->cert_pem.empty() != tls->key_pem.empty()) {
    tls->error = "COLONY_TLS_CERT and COLONY_TLS_KEY go together";
    COLONY_LOG(ERROR) << tls->error;
  }
  return tls;
}
}  // namespace

std::shared_ptr<const TlsSettings> CurrentTls() {
  static std::mutex mu;
  static std::string loaded_from;  // the variables the cached settings came from
  static std::shared_ptr<const TlsSettings> cached;
  std::string ca = Env("COLONY_TLS_CA"), cert = Env("COLONY_TLS_CERT"), key = Env("COLONY_TLS_KEY");
  std::string from = ca + '\0' + cert + '\0' + key;
  std::lock_guard<std::mutex> lock(mu);
  if (!cached || from != loaded_from) {
    cached = LoadTls(ca, cert, key);
    loaded_from = std::move(from);
  }
  return cached;
}

std::shared_ptr<grpc::Channel> MakeChannel(const std::string& address) {
  grpc::ChannelArguments args;
  args.SetMaxReceiveMessageSize(-1);
  args.SetMaxSendMessageSize(-1);
  // Fail fast on a dead peer instead of waiting out long reconnect backoffs.
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  // gRPC also takes this as the connect timeout (time to the peer's HTTP/2 SETTINGS): at
  // 100 ms a busy but healthy process (a new actor on a loaded node) failed to connect and
  // its calls were failed as if it had died. A dead peer refuses at once regardless.
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, kConnectTimeoutMs);
  // Distinct channels get distinct TCP connections, so one stub's traffic is not queued
  // behind another's on a shared subchannel.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  // Cluster traffic goes straight to its peers: an http_proxy meant for the user's web
  // traffic must not capture calls to 127.0.0.1 or to other nodes.
  args.SetInt(GRPC_ARG_ENABLE_HTTP_PROXY, 0);
  // A list of heads (a standby GCS waits beside the leader) becomes one channel over all.
  auto resolved = ChannelTarget(address);
  if (!resolved.ok()) COLONY_LOG(ERROR) << resolved.status().message();
  const std::string target = resolved.ok() ? *resolved : address;
  auto tls = CurrentTls();
  if (!tls->enabled) {
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
  }
  // The server's certificate must chain to the cluster CA and name the target's IP. No
  // client certificate: callers authenticate with the cluster token, now encrypted.
  grpc::SslCredentialsOptions ssl;
  ssl.pem_root_certs = tls->ca_pem;
  return grpc::CreateCustomChannel(target, grpc::SslCredentials(ssl), args);
}

ResourceSet ResourcesFromProto(const google::protobuf::Map<std::string, double>& map) {
  std::map<std::string, double> m(map.begin(), map.end());
  return ResourceSet::FromMap(m);
}

void ResourcesToProto(const ResourceSet& set, google::protobuf::Map<std::string, double>* map) {
  map->clear();
  for (const auto& [name, amount] : set.ToMap()) (*map)[name] = amount;
}

std::string AddressToString(const Address& address) {
  return address.ip() + ":" + std::to_string(address.port());
}

grpc::ServerUnaryReactor* Dispatch(grpc::CallbackServerContext* ctx, const std::string& token,
                                   EventLoop* loop, std::function<void(SendReply)> handle) {
  auto* reactor = ctx->DefaultReactor();
  if (!TokenMatches(ctx, token)) {
    reactor->Finish(grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                                 "missing or wrong cluster token"));
    return reactor;
  }
  SendReply send = [reactor](Status status) { reactor->Finish(ToGrpcStatus(status)); };
  if (loop == nullptr) {
    handle(std::move(send));
  } else {
    loop->Post([handle = std::move(handle), send = std::move(send)]() mutable {
      handle(std::move(send));
    });
  }
  return reactor;
}

Status GrpcServer::Start() {
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(-1);
  builder.SetMaxSendMessageSize(-1);
  // gRPC enables SO_REUSEPORT by default: a second server on a busy port would silently
  // share it instead of failing.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::InsecureServerCredentials();
  auto tls = CurrentTls();
  if (tls->enabled) {
    if (!tls->error.empty()) return Status::InvalidArgument(name_ + ": TLS: " + tls->error);
    if (tls->cert_pem.empty()) {
      return Status::InvalidArgument(name_ + ": TLS is on (COLONY_TLS_CA) but this process has "
                                     "no certificate: set COLONY_TLS_CERT and COLONY_TLS_KEY");
    }
    grpc::SslServerCredentialsOptions ssl(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
    ssl.pem_root_certs = tls->ca_pem;
    ssl.pem_key_cert_pairs.push_back({tls->key_pem, tls->cert_pem});
    credentials = grpc::SslServerCredentials(ssl);
  }
  builder.AddListeningPort(bind_ip_ + ":" + std::to_string(port_), credentials, &port_);
  for (auto* service : services_) builder.RegisterService(service);
  server_ = builder.BuildAndStart();
  if (!server_ || port_ == 0) {
    return Status::IOError(name_ + ": cannot listen on " + bind_ip_ + ":" + std::to_string(port_));
  }
  COLONY_LOG(DEBUG) << name_ << " listening on " << bind_ip_ << ":" << port_
                    << (tls->enabled ? " (TLS)" : "");
  return Status::OK();
}

void GrpcServer::Shutdown() {
  if (server_) {
    server_->Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
    server_.reset();
  }
}

}  // namespace colony::rpc
