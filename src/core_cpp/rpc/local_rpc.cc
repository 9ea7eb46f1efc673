#include "rpc/local_rpc.h"

#include <fcntl.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>
#include <vector>

#include <google/protobuf/message_lite.h>

#include "common/id.h"
#include "common/logging.h"
#include "common/security.h"

namespace colony::rpc {
namespace {

constexpr size_t kHeaderSize = kLocalFrameHeaderSize;
constexpr uint32_t kHelloMethod = 0;
constexpr uint64_t kWakeKey = 0;
constexpr uint64_t kListenKey = 1;

struct Header {
  uint32_t body_size;
  uint32_t word;  // method of a request, status code of a reply
  uint64_t call_id;
};
static_assert(sizeof(Header) == kHeaderSize);

// A frame whose body is `size` bytes, to be filled after the header.
std::string NewFrame(uint32_t word, uint64_t call_id, size_t size) {
  std::string frame(kHeaderSize + size, '\0');
  Header header{static_cast<uint32_t>(size), word, call_id};
  std::memcpy(frame.data(), &header, kHeaderSize);
  return frame;
}

std::string MessageFrame(uint32_t word, uint64_t call_id,
                         const google::protobuf::MessageLite& message) {
  size_t size = message.ByteSizeLong();
  std::string frame = NewFrame(word, call_id, size);
  message.SerializeWithCachedSizesToArray(reinterpret_cast<uint8_t*>(frame.data() + kHeaderSize));
  return frame;
}

socklen_t AbstractAddress(const std::string& name, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  std::string full = "colony-" + name;
  size_t len = std::min(full.size(), sizeof(addr->sun_path) - 1);
  std::memcpy(addr->sun_path + 1, full.data(), len);  // sun_path[0] = 0: abstract
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + len);
}

Status ErrnoStatus(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

}  // namespace

// One socket; writes come from any thread, reads only from the IO thread.
class LocalConnection {
 public:
  LocalConnection(int fd, int epoll_fd, uint64_t key) : fd_(fd), epoll_fd_(epoll_fd), key_(key) {}
  ~LocalConnection() { MarkClosed(); }

  // Queues the frame (sending what the socket takes now); false if the connection is closed.
  bool Write(std::string frame) {
    std::lock_guard<std::mutex> lock(mu_);
    if (fd_ < 0) return false;
    if (Queued() > 0) {
      out_.append(frame);
      return true;
    }
    ssize_t n = send(fd_, frame.data(), frame.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n == static_cast<ssize_t>(frame.size())) return true;
    // A broken socket is noticed by the IO thread (EOF/error), which fails the pending calls.
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) return true;
    out_ = std::move(frame);
    out_pos_ = n > 0 ? n : 0;
    WatchWritable(true);
    return true;
  }

  // IO thread: the socket has room again.
  void Flush() {
    std::lock_guard<std::mutex> lock(mu_);
    if (fd_ < 0 || Queued() == 0) return;
    ssize_t n = send(fd_, out_.data() + out_pos_, Queued(), MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n < 0) return;
    out_pos_ += n;
    if (Queued() > 0) return;
    out_.clear();
    out_pos_ = 0;
    WatchWritable(false);
  }

  void MarkClosed() {
    std::lock_guard<std::mutex> lock(mu_);
    if (fd_ < 0) return;
    epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd_, nullptr);
    close(fd_);
    fd_ = -1;
    out_.clear();
    out_pos_ = 0;
  }

  int fd() const { return fd_; }

 private:
  void WatchWritable(bool on) {
    epoll_event ev{};
    ev.events = EPOLLIN | (on ? EPOLLOUT : 0);
    ev.data.u64 = key_;
    epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd_, &ev);
  }

  size_t Queued() const { return out_.size() - out_pos_; }

  std::mutex mu_;
  int fd_;
  int epoll_fd_;
  uint64_t key_;
  std::string out_;  // not yet sent from out_pos_ on
  size_t out_pos_ = 0;
};

struct LocalRpc::Entry {
  std::shared_ptr<LocalConnection> connection;
  std::shared_ptr<LocalClient> client;  // set on the calling side
  bool authenticated = false;           // serving side: the hello carried the token
  std::string in;                       // bytes read but not yet framed
};

void LocalResponder::Send(const Status& status, const google::protobuf::MessageLite& reply) const {
  if (!status.ok()) {
    SendError(status);
    return;
  }
  if (auto connection = connection_.lock()) connection->Write(MessageFrame(0, call_id_, reply));
}

void LocalResponder::SendError(const Status& status) const {
  auto connection = connection_.lock();
  if (!connection) return;
  const std::string& message = status.message();
  std::string frame = NewFrame(static_cast<uint32_t>(status.code()), call_id_, message.size());
  std::memcpy(frame.data() + kHeaderSize, message.data(), message.size());
  connection->Write(std::move(frame));
}

bool LocalClient::Call(LocalMethod method, const google::protobuf::MessageLite& request,
                       Callback done) {
  // The lock spans the write so a reply (handled under it) finds its callback registered.
  std::lock_guard<std::mutex> lock(mu_);
  if (closed_) return false;
  uint64_t call_id = next_call_id_++;
  if (!connection_->Write(MessageFrame(static_cast<uint32_t>(method), call_id, request))) {
    return false;
  }
  pending_.emplace(call_id, std::move(done));
  return true;
}

bool LocalClient::closed() const {
  std::lock_guard<std::mutex> lock(mu_);
  return closed_;
}

void LocalClient::OnReply(uint64_t call_id, uint32_t status_code, std::string_view body) {
  Callback done;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = pending_.find(call_id);
    if (it == pending_.end()) return;
    done = std::move(it->second);
    pending_.erase(it);
  }
  if (status_code == 0) {
    done(Status::OK(), body);
  } else {
    done(Status(LocalReplyStatusCode(status_code), std::string(body)), {});
  }
}

void LocalClient::OnClosed() {
  std::unordered_map<uint64_t, Callback> pending;
  {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    pending.swap(pending_);
  }
  for (auto& [id, done] : pending) {
    done(Status::Unavailable("the local connection to the worker closed"), {});
  }
}

Status LocalRpc::Start() {
  epoll_fd_ = epoll_create1(EPOLL_CLOEXEC);
  wake_fd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (epoll_fd_ < 0 || wake_fd_ < 0) return ErrnoStatus("local rpc epoll");
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kWakeKey;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, wake_fd_, &ev);
  thread_ = std::thread([this]() {
    pthread_setname_np(pthread_self(), "local_rpc");
    Run();
  });
  return Status::OK();
}

Status LocalRpc::Listen(const std::string& name) {
  sockaddr_un addr;
  socklen_t len = AbstractAddress(name, &addr);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return ErrnoStatus("socket");
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 128) != 0) {
    Status s = ErrnoStatus("listen on local socket colony-" + name);
    close(fd);
    return s;
  }
  listen_fd_ = fd;
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = kListenKey;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  return Status::OK();
}

std::shared_ptr<LocalClient> LocalRpc::Connect(const std::string& name) {
  if (stopping_) return nullptr;
  sockaddr_un addr;
  socklen_t len = AbstractAddress(name, &addr);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return nullptr;
  if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) {
    close(fd);  // nobody listens there from this host (or namespace)
    return nullptr;
  }
  // Abstract sockets have no file permissions: anyone on the host could listen at a
  // worker's name. The token goes only to a server of our own user; otherwise the caller
  // uses gRPC.
  if (!PeerIsSameUser(fd, "local rpc client", &warned_foreign_peer_)) {
    close(fd);
    return nullptr;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  auto client = std::shared_ptr<LocalClient>(new LocalClient());
  client->connection_ = AddConnection(fd, client);
  std::string hello = NewFrame(kHelloMethod, 0, token_.size());
  std::memcpy(hello.data() + kHeaderSize, token_.data(), token_.size());
  client->connection_->Write(std::move(hello));
  return client;
}

std::shared_ptr<LocalConnection> LocalRpc::AddConnection(int fd,
                                                         std::shared_ptr<LocalClient> client) {
  auto entry = std::make_shared<Entry>();
  entry->client = std::move(client);
  uint64_t key;
  {
    std::lock_guard<std::mutex> lock(mu_);
    key = next_key_++;
    entry->connection = std::make_shared<LocalConnection>(fd, epoll_fd_, key);
    entries_[key] = entry;
  }
  epoll_event ev{};
  ev.events = EPOLLIN;
  ev.data.u64 = key;
  epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &ev);
  return entry->connection;
}

void LocalRpc::Run() {
  std::vector<epoll_event> events(64);
  while (!stopping_) {
    int n = epoll_wait(epoll_fd_, events.data(), static_cast<int>(events.size()), -1);
    if (n < 0 && errno != EINTR) break;
    for (int i = 0; i < n; i++) {
      uint64_t key = events[i].data.u64;
      if (key == kWakeKey) continue;
      if (key == kListenKey) {
        OnAccept();
        continue;
      }
      if (events[i].events & EPOLLOUT) OnWritable(key);
      if (events[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) OnReadable(key);
    }
  }
}

void LocalRpc::OnAccept() {
  while (true) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    // Same user only (SO_PEERCRED), before any byte is read: abstract sockets have no
    // file permissions to keep other users out.
    if (!PeerIsSameUser(fd, "local rpc", &warned_foreign_peer_)) {
      close(fd);
      continue;
    }
    AddConnection(fd, nullptr);
  }
}

std::shared_ptr<LocalRpc::Entry> LocalRpc::Find(uint64_t key) {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = entries_.find(key);
  return it == entries_.end() ? nullptr : it->second;
}

void LocalRpc::OnWritable(uint64_t key) {
  if (auto entry = Find(key)) entry->connection->Flush();
}

void LocalRpc::OnReadable(uint64_t key) {
  auto entry = Find(key);
  if (!entry) return;
  char buffer[64 * 1024];
  while (true) {
    ssize_t n = recv(entry->connection->fd(), buffer, sizeof(buffer), MSG_DONTWAIT);
    if (n > 0) {
      entry->in.append(buffer, n);
      if (n == sizeof(buffer)) continue;
      break;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    if (n < 0 && errno == EINTR) continue;
    Close(key);  // EOF or error
    return;
  }
  size_t pos = 0;
  while (true) {
    // Before the hello only a token-sized frame is accepted.
    uint32_t max_body = entry->client || entry->authenticated ? kMaxLocalFrameBody : kMaxLocalHelloBody;
    LocalFrame frame;
    StatusOr<size_t> size = ParseLocalFrame(std::string_view(entry->in).substr(pos), max_body, &frame);
    if (!size.ok()) {
      COLONY_LOG(WARNING) << "local rpc: " << size.status().message() << "; dropping the connection";
      Close(key);
      return;
    }
    if (*size == 0) break;
    pos += *size;
    if (entry->client) {
      entry->client->OnReply(frame.call_id, frame.word, frame.body);
    } else if (!OnServerFrame(entry.get(), frame.word, frame.call_id, frame.body)) {
      Close(key);
      return;
    }
  }
  entry->in.erase(0, pos);
}

bool LocalRpc::OnServerFrame(Entry* entry, uint32_t method, uint64_t call_id,
                             std::string_view body) {
  if (!entry->authenticated) {
    // The first frame must be the hello with this cluster's token.
    entry->authenticated = ConstantTimeEquals(token_, body) && method == kHelloMethod;
    if (!entry->authenticated) COLONY_LOG(WARNING) << "local rpc: a connection without the cluster token was dropped";
    return entry->authenticated;
  }
  LocalResponder responder(entry->connection, call_id);
  auto it = handlers_.find(method);
  if (it == handlers_.end()) {
    responder.SendError(Status::InvalidArgument("unknown local rpc method " + std::to_string(method)));
    return true;
  }
  it->second(body, std::move(responder));
  return true;
}

void LocalRpc::Close(uint64_t key) {
  std::shared_ptr<Entry> entry;
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = entries_.find(key);
    if (it == entries_.end()) return;
    entry = std::move(it->second);
    entries_.erase(it);
  }
  entry->connection->MarkClosed();
  if (entry->client) entry->client->OnClosed();
}

void LocalRpc::Shutdown() {
  if (stopping_.exchange(true)) return;
  if (thread_.joinable()) {
    uint64_t one = 1;
    (void)!write(wake_fd_, &one, sizeof(one));
    thread_.join();
  }
  std::vector<uint64_t> keys;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [key, entry] : entries_) keys.push_back(key);
  }
  for (uint64_t key : keys) Close(key);
  for (int* fd : {&listen_fd_, &wake_fd_, &epoll_fd_}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
}

StatusOr<size_t> ParseLocalFrame(std::string_view in, uint32_t max_body, LocalFrame* frame) {
  if (in.size() < kHeaderSize) return size_t{0};
  Header header;
  std::memcpy(&header, in.data(), kHeaderSize);
  if (header.body_size > max_body) {
    return Status::InvalidArgument("frame body_size " + std::to_string(header.body_size) +
                                   " exceeds the limit of " + std::to_string(max_body) + " bytes");
  }
  if (in.size() - kHeaderSize < header.body_size) return size_t{0};
  frame->word = header.word;
  frame->call_id = header.call_id;
  frame->body = in.substr(kHeaderSize, header.body_size);
  return kHeaderSize + header.body_size;
}

StatusCode LocalReplyStatusCode(uint32_t word) {
  if (word > static_cast<uint32_t>(StatusCode::kLimitExceeded)) return StatusCode::kInternal;
  return static_cast<StatusCode>(word);
}

std::string LocalWorkerSocketName(const std::string& worker_id_binary) {
  return "worker-" + BytesToHex(reinterpret_cast<const uint8_t*>(worker_id_binary.data()),
                                worker_id_binary.size());
}

}  // namespace colony::rpc
