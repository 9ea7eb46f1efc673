#include "core_worker/state_client.h"

#include <google/protobuf/util/json_util.h>

#include <functional>
#include <map>
#include <memory>

#include "gcs.grpc.pb.h"
#include "rpc/grpc_util.h"

namespace colony {
namespace {

constexpr int64_t kStateRpcTimeoutMs = 30000;

// One method: makes its request and reply messages and makes the call.
struct Method {
  std::function<std::unique_ptr<google::protobuf::Message>()> request;
  std::function<std::unique_ptr<google::protobuf::Message>()> reply;
  std::function<grpc::Status(const std::shared_ptr<grpc::Channel>&, grpc::ClientContext*,
                             const google::protobuf::Message&, google::protobuf::Message*)>
      call;
};

template <typename Service, typename Req, typename Rep>
Method MakeMethod(grpc::Status (Service::Stub::*fn)(grpc::ClientContext*, const Req&, Rep*)) {
  Method m;
  m.request = [] { return std::make_unique<Req>(); };
  m.reply = [] { return std::make_unique<Rep>(); };
  m.call = [fn](const std::shared_ptr<grpc::Channel>& channel, grpc::ClientContext* ctx,
                const google::protobuf::Message& request, google::protobuf::Message* reply) {
    auto stub = Service::NewStub(channel);
    return ((*stub).*fn)(ctx, static_cast<const Req&>(request), static_cast<Rep*>(reply));
  };
  return m;
}

const std::map<std::string, Method>& Methods() {
  static const auto* methods = new std::map<std::string, Method>{
      {"GetEvents", MakeMethod<rpc::GcsEventService>(&rpc::GcsEventService::Stub::GetEvents)},
      {"GetTaskAttempts", MakeMethod<rpc::GcsEventService>(&rpc::GcsEventService::Stub::GetTaskAttempts)},
      {"GetAllActorInfo", MakeMethod<rpc::GcsEventService>(&rpc::GcsEventService::Stub::GetAllActorInfo)},
      {"GetAllNodeInfo", MakeMethod<rpc::GcsService>(&rpc::GcsService::Stub::GetAllNodeInfo)},
      {"GetAllJobInfo", MakeMethod<rpc::GcsService>(&rpc::GcsService::Stub::GetAllJobInfo)},
  };
  return *methods;
}

Status Find(const std::string& method, const Method** out) {
  auto it = Methods().find(method);
  if (it == Methods().end()) {
    std::string known;
    for (const auto& name : StateQueryMethods()) known += (known.empty() ? "" : ", ") + name;
    return Status::InvalidArgument("unknown state query method '" + method + "' (known: " +
                                   known + ")");
  }
  *out = &it->second;
  return Status::OK();
}

Status Call(const std::string& address, const std::string& token, const Method& method,
            const google::protobuf::Message& request, google::protobuf::Message* reply) {
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, token, kStateRpcTimeoutMs);
  Status s = rpc::FromGrpcStatus(method.call(rpc::MakeChannel(address), &ctx, request, reply));
  if (s.ok()) return s;
  return Status(s.code(), "GCS " + address + ": " + s.message());
}

}  // namespace

const std::vector<std::string>& StateQueryMethods() {
  static const auto* names = [] {
    auto* v = new std::vector<std::string>();
    for (const auto& [name, method] : Methods()) v->push_back(name);
    return v;
  }();
  return *names;
}

Status GcsStateCall(const std::string& gcs_address, const std::string& token,
                    const std::string& method, const std::string& request_bytes,
                    std::string* reply_bytes) {
  const Method* m = nullptr;
  COLONY_RETURN_IF_ERROR(Find(method, &m));
  auto request = m->request();
  if (!request->ParseFromString(request_bytes)) {
    return Status::InvalidArgument("the " + method + " request does not parse");
  }
  auto reply = m->reply();
  COLONY_RETURN_IF_ERROR(Call(gcs_address, token, *m, *request, reply.get()));
  *reply_bytes = reply->SerializeAsString();
  return Status::OK();
}

Status GcsStateCallJson(const std::string& gcs_address, const std::string& token,
                        const std::string& method, const std::string& request_json,
                        std::string* reply_json) {
  const Method* m = nullptr;
  COLONY_RETURN_IF_ERROR(Find(method, &m));
  auto request = m->request();
  auto parsed = google::protobuf::util::JsonStringToMessage(
      request_json.empty() ? "{}" : request_json, request.get());
  if (!parsed.ok()) {
    return Status::InvalidArgument("the " + method + " request is not valid: " +
                                   parsed.ToString());
  }
  auto reply = m->reply();
  COLONY_RETURN_IF_ERROR(Call(gcs_address, token, *m, *request, reply.get()));
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  auto printed = google::protobuf::util::MessageToJsonString(*reply, reply_json, options);
  if (!printed.ok()) return Status::Internal("cannot print the reply: " + printed.ToString());
  return Status::OK();
}

}  // namespace colony
