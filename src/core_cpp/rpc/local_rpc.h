// Unary calls between processes of one host over Unix stream sockets, for the hot path
// (task and actor pushes). gRPC's callback API hands every call between several of its own
// threads (about 11 context switches per round trip here); this channel costs two wake-ups
// per direction: the caller's thread writes the request, the callee's IO thread reads it, the
// handler replies from whichever thread finished the work, and the caller's IO thread reads
// the reply.
//
// Sockets live in the abstract namespace ("\0colony-<name>"): nothing to clean up, and they
// are per network namespace, so a process that cannot connect is on another host (or
// another namespace) and the caller uses gRPC instead. The first frame on a connection
// carries the cluster token; a server drops connections whose token does not match.
// Both ends check the other's uid (SO_PEERCRED): only processes of the same user talk here.
//
// Frame: u32 body length, u32 method (request) or status code (reply), u64 call id, body.
#pragma once

#include <sys/epoll.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>

#include "common/status.h"

namespace google::protobuf {
class MessageLite;
}

namespace colony::rpc {

class LocalConnection;

// The methods a LocalRpc server can serve.
enum class LocalMethod : uint32_t { kPushTask = 1 };

// Answers one call; may be used from any thread, once. Dropped silently if the caller is gone.
class LocalResponder {
 public:
  LocalResponder(std::weak_ptr<LocalConnection> connection, uint64_t call_id)
      : connection_(std::move(connection)), call_id_(call_id) {}
  void Send(const Status& status, const google::protobuf::MessageLite& reply) const;
  void SendError(const Status& status) const;

 private:
  std::weak_ptr<LocalConnection> connection_;
  uint64_t call_id_;
};

// A connection to one server. Replies run their callbacks on the LocalRpc's IO thread.
class LocalClient {
 public:
  using Callback = std::function<void(Status, std::string_view reply)>;
  // Sends the call; false (and `done` dropped) if the connection is closed, so the caller
  // can use another route. Never runs `done` on the calling thread.
  bool Call(LocalMethod method, const google::protobuf::MessageLite& request, Callback done);
  bool closed() const;

 private:
  friend class LocalRpc;
  void OnReply(uint64_t call_id, uint32_t status_code, std::string_view body);
  void OnClosed();

  std::shared_ptr<LocalConnection> connection_;
  mutable std::mutex mu_;
  bool closed_ = false;
  uint64_t next_call_id_ = 1;
  std::unordered_map<uint64_t, Callback> pending_;
};

class LocalRpc {
 public:
  using Handler = std::function<void(std::string_view request, LocalResponder responder)>;

  explicit LocalRpc(std::string token) : token_(std::move(token)) {}
  ~LocalRpc() { Shutdown(); }
  LocalRpc(const LocalRpc&) = delete;
  LocalRpc& operator=(const LocalRpc&) = delete;

  // Starts the IO thread. Call before Listen or Connect.
  Status Start();
  // Serves `method` (set handlers before Listen); handlers run on the IO thread.
  void Handle(LocalMethod method, Handler handler) { handlers_[static_cast<uint32_t>(method)] = std::move(handler); }
  // Accepts connections at the abstract socket `name`.
  Status Listen(const std::string& name);
  // A client for the server at `name`, or null if none listens there from this host.
  std::shared_ptr<LocalClient> Connect(const std::string& name);
  // Closes every connection (their callers see Unavailable) and stops the IO thread.
  void Shutdown();

 private:
  struct Entry;
  void Run();
  // Watches a new socket; `client` is set on the calling side.
  std::shared_ptr<LocalConnection> AddConnection(int fd, std::shared_ptr<LocalClient> client);
  std::shared_ptr<Entry> Find(uint64_t key);
  void OnAccept();
  void OnReadable(uint64_t key);
  void OnWritable(uint64_t key);
  void Close(uint64_t key);
  // False if the connection must be dropped.
  bool OnServerFrame(Entry* entry, uint32_t method, uint64_t call_id, std::string_view body);

  std::string token_;
  std::unordered_map<uint32_t, Handler> handlers_;
  int epoll_fd_ = -1;
  int wake_fd_ = -1;
  int listen_fd_ = -1;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<bool> warned_foreign_peer_{false};  // a refused peer of another uid was logged
  std::mutex mu_;
  uint64_t next_key_ = 2;  // 0: wake fd, 1: listening socket
  std::unordered_map<uint64_t, std::shared_ptr<Entry>> entries_;
};

// One decoded frame; `body` points into the buffer it was parsed from.
struct LocalFrame {
  uint32_t word = 0;  // method of a request, status code of a reply
  uint64_t call_id = 0;
  std::string_view body;
};
inline constexpr size_t kLocalFrameHeaderSize = 16;
// A frame body longer than this is a protocol error (the connection is dropped).
inline constexpr uint32_t kMaxLocalFrameBody = 1u << 30;
// Until its hello is accepted a connection may send only this much per frame (the hello
// carries just the token), so an unauthenticated peer cannot make the server buffer 1 GiB.
inline constexpr uint32_t kMaxLocalHelloBody = 4096;

// Decodes the frame at the front of `in` (the read path of the IO thread, pure so it can be
// fuzzed): its total size, header included, with `frame` filled in; 0 if `in` holds only
// part of it; InvalidArgument naming the body size if that exceeds `max_body`.
StatusOr<size_t> ParseLocalFrame(std::string_view in, uint32_t max_body, LocalFrame* frame);
// A reply's status code as a Status code; codes this build does not know become kInternal.
StatusCode LocalReplyStatusCode(uint32_t word);

// The abstract socket name of the worker with this (binary) id.
std::string LocalWorkerSocketName(const std::string& worker_id_binary);

}  // namespace colony::rpc
