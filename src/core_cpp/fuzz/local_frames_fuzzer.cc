// The local channel (rpc/local_rpc.*), serving side, from the wire in:
//  1. ParseLocalFrame over the input split into arbitrary reads, as the IO thread does
//     (header and body of every frame stay within the buffer; the limits hold);
//  2. a real LocalRpc server: the input goes down a raw connection (after a valid hello
//     when the first byte says so) and the connection is read until the server closes it,
//     so frames, hello checks and the handler (a PushTaskRequest parse) all see it.
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>

#include "common/id.h"
#include "core_worker.pb.h"
#include "fuzz/fuzz_util.h"
#include "rpc/local_rpc.h"

namespace colony::fuzz {
namespace {

constexpr char kToken[] = "fuzz-cluster-token";

struct Server {
  std::string name = "fuzz-" + WorkerID::FromRandom().Hex();
  rpc::LocalRpc rpc{kToken};
  Server() {
    rpc.Handle(rpc::LocalMethod::kPushTask, [](std::string_view body, rpc::LocalResponder responder) {
      rpc::PushTaskRequest request;
      if (!request.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
        responder.SendError(Status::InvalidArgument("unparsable PushTaskRequest"));
        return;
      }
      rpc::PushTaskReply reply;
      reply.add_returns()->set_object_id(request.task().task_id());
      responder.Send(Status::OK(), reply);
    });
    if (!rpc.Start().ok() || !rpc.Listen(name).ok()) abort();
  }
};

void ParseLikeTheIoThread(const uint8_t* data, size_t size) {
  Input in(data, size);
  bool authenticated = in.U8() & 1;
  std::string buffer;
  while (!in.empty()) {
    buffer.append(in.Bytes(1 + in.U8() * 4));  // one recv
    size_t pos = 0;
    while (true) {
      uint32_t max_body = authenticated ? rpc::kMaxLocalFrameBody : rpc::kMaxLocalHelloBody;
      rpc::LocalFrame frame;
      StatusOr<size_t> n = rpc::ParseLocalFrame(std::string_view(buffer).substr(pos), max_body, &frame);
      if (!n.ok()) return;  // the connection is dropped
      if (*n == 0) break;
      if (*n < rpc::kLocalFrameHeaderSize || *n > buffer.size() - pos ||
          frame.body.size() != *n - rpc::kLocalFrameHeaderSize || frame.body.size() > max_body ||
          frame.body.data() != buffer.data() + pos + rpc::kLocalFrameHeaderSize) {
        abort();
      }
      pos += *n;
      authenticated = true;
      (void)rpc::LocalReplyStatusCode(frame.word);
    }
    buffer.erase(0, pos);
  }
}

void SendToServer(const uint8_t* data, size_t size) {
  static Server* server = new Server();
  Input in(data, size);
  bool hello = in.U8() & 1;
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string path = "colony-" + server->name;
  std::memcpy(addr.sun_path + 1, path.data(), path.size());
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr),
              static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + path.size())) != 0) {
    abort();
  }
  std::string out;
  if (hello) {
    std::string frame(rpc::kLocalFrameHeaderSize, '\0');
    uint32_t body_size = sizeof(kToken) - 1;
    std::memcpy(frame.data(), &body_size, 4);
    out = frame + kToken;
  }
  out.append(in.Rest());
  // The server replies while we write; a reader thread is not needed as long as the
  // replies fit the socket buffer (inputs are far smaller than that).
  size_t sent = 0;
  while (sent < out.size()) {
    ssize_t n = send(fd, out.data() + sent, out.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;  // the server dropped us
    sent += static_cast<size_t>(n);
  }
  shutdown(fd, SHUT_WR);
  char buffer[4096];
  while (read(fd, buffer, sizeof(buffer)) > 0) {
  }
  close(fd);
}

}  // namespace
}  // namespace colony::fuzz

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  colony::fuzz::QuietLogs();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  colony::fuzz::ParseLikeTheIoThread(data, size);
  colony::fuzz::SendToServer(data, size);
  return 0;
}
