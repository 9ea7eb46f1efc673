#include "object_store/plasma_store.h"

#include <pthread.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>

#include "common/logging.h"
#include "common/security.h"
#include "object_store/unix_socket.h"

namespace colony::plasma {
namespace {

constexpr uint64_t kListenToken = 0;
constexpr uint64_t kWakeToken = 1;
constexpr size_t kReadChunk = 64 * 1024;

Status ErrnoStatus(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

Status AddToEpoll(int epoll_fd, int fd, uint64_t token, uint32_t events) {
  epoll_event ev{};
  ev.events = events;
  ev.data.u64 = token;
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &ev) != 0) return ErrnoStatus("epoll_ctl add");
  return Status::OK();
}

}  // namespace

PlasmaStore::PlasmaStore(PlasmaStoreOptions options)
    : options_(std::move(options)), read_buffer_(kReadChunk) {}

PlasmaStore::~PlasmaStore() { Stop(); }

Status PlasmaStore::Start() {
  if (table_ != nullptr || stopping_) return Status::InvalidArgument("a store starts only once");
  auto region = SharedMemoryRegion::Create(options_.capacity_bytes);
  if (!region.ok()) return region.status();
  std::optional<SpillStore> spill;
  if (!options_.spill_directory.empty()) {
    auto opened = SpillStore::Open(options_.spill_directory);
    if (!opened.ok()) return opened.status();
    spill = std::move(*opened);
  }
  auto listen_fd = ListenUnix(options_.socket_path);
  if (!listen_fd.ok()) return listen_fd.status();
  epoll_fd_.Reset(epoll_create1(EPOLL_CLOEXEC));
  wake_fd_.Reset(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
  if (!epoll_fd_.valid() || !wake_fd_.valid()) return ErrnoStatus("epoll/eventfd");
  listen_fd_ = std::move(*listen_fd);
  COLONY_RETURN_IF_ERROR(AddToEpoll(epoll_fd_.get(), listen_fd_.get(), kListenToken, EPOLLIN));
  COLONY_RETURN_IF_ERROR(AddToEpoll(epoll_fd_.get(), wake_fd_.get(), kWakeToken, EPOLLIN));
  region_ = std::move(*region);
  table_ =
      std::make_unique<ObjectTable>(region_->base(), options_.capacity_bytes, std::move(spill));
  thread_ = std::thread([this] {
    pthread_setname_np(pthread_self(), "plasma_store");
    Run();
  });
  COLONY_LOG(INFO) << "object store listening at " << options_.socket_path << " with "
                   << options_.capacity_bytes << " bytes";
  return Status::OK();
}

void PlasmaStore::Stop() {
  if (stopping_.exchange(true)) return;
  if (!thread_.joinable()) return;
  Wake();
  thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  connections_.clear();
  pending_gets_.clear();
  table_.reset();  // removes spill files
  listen_fd_.Reset();
  unlink(options_.socket_path.c_str());
}

size_t PlasmaStore::DeleteOwnedBy(const std::string& owner) {
  size_t deleted = 0;
  // Not running: nothing is stored, so nothing is deleted (0).
  (void)RunLocked([&] {
    deleted = table_->DeleteOwnedBy(owner);
    return Status::OK();
  });
  return deleted;
}

Status PlasmaStore::Pin(const ObjectID& id) { return RunLocked([&] { return table_->Pin(id); }); }

Status PlasmaStore::Unpin(const ObjectID& id) {
  return RunLocked([&] { return table_->Unpin(id); });
}

Status PlasmaStore::Delete(const ObjectID& id) {
  return RunLocked([&] { return table_->Delete(id); });
}

bool PlasmaStore::Contains(const ObjectID& id) {
  std::lock_guard<std::mutex> lock(mu_);
  return table_ != nullptr && table_->Contains(id);
}

StoreStats PlasmaStore::Stats() {
  std::lock_guard<std::mutex> lock(mu_);
  if (table_ == nullptr) return StoreStats{};
  StoreStats stats = table_->Stats();
  stats.num_clients = connections_.size();
  return stats;
}

Status PlasmaStore::RunLocked(const std::function<Status()>& call) {
  std::vector<ObjectEvent> events;
  Status status;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (table_ == nullptr) return Status::Unavailable("object store is not running");
    status = call();
    events = table_->TakeEvents();
    // Freed memory may unblock parked restores; only the loop thread may answer them.
    if (table_->release_epoch() != seen_release_epoch_) Wake();
  }
  Fire(events);
  return status;
}

void PlasmaStore::Fire(const std::vector<ObjectEvent>& events) {
  if (!options_.on_object_event) return;
  for (const ObjectEvent& event : events) options_.on_object_event(event);
}

void PlasmaStore::Wake() {
  uint64_t one = 1;
  if (write(wake_fd_.get(), &one, sizeof(one)) < 0 && errno != EAGAIN) {
    COLONY_LOG(WARNING) << "object store wake-up failed: " << std::strerror(errno);
  }
}

void PlasmaStore::Run() {
  epoll_event events[64];
  while (!stopping_) {
    int n = epoll_wait(epoll_fd_.get(), events, 64, NextTimeoutMs());
    if (n < 0 && errno != EINTR) {
      COLONY_LOG(ERROR) << "object store epoll_wait failed: " << std::strerror(errno);
      return;
    }
    std::vector<ObjectEvent> fired;
    {
      std::lock_guard<std::mutex> lock(mu_);
      for (int i = 0; i < n; ++i) HandleEvent(events[i].data.u64, events[i].events);
      ExpireGets();
      RetryBlockedGets();
      CloseBrokenConnections();
      fired = table_->TakeEvents();
    }
    Fire(fired);
  }
}

int PlasmaStore::NextTimeoutMs() {
  std::lock_guard<std::mutex> lock(mu_);
  if (deadlines_.empty()) return -1;
  auto wait = deadlines_.begin()->first - Clock::now();
  if (wait <= Clock::duration::zero()) return 0;
  // Round up so a parked Get is never answered before its deadline; a deadline beyond
  // what epoll_wait takes wakes the loop early, which then waits again.
  int64_t ms = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  return static_cast<int>(std::min<int64_t>(ms, INT32_MAX));
}

void PlasmaStore::HandleEvent(uint64_t token, uint32_t events) {
  if (token == kListenToken) return AcceptAll();
  if (token == kWakeToken) {
    uint64_t count;
    (void)!read(wake_fd_.get(), &count, sizeof(count));
    return;
  }
  auto it = connections_.find(token);
  if (it == connections_.end()) return;  // closed earlier in this batch
  Connection& conn = *it->second;
  if (events & EPOLLOUT) Flush(conn);
  if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) ReadFrom(conn);
}

void PlasmaStore::AcceptAll() {
  while (true) {
    auto fd = AcceptUnix(listen_fd_.get());
    if (!fd.ok()) {
      COLONY_LOG(WARNING) << "object store accept: " << fd.status().ToString();
      return;
    }
    if (!fd->valid()) return;
    // Same user only (SO_PEERCRED): the socket's folder is private, this holds even if not.
    static std::atomic<bool> warned{false};
    if (!PeerIsSameUser(fd->get(), "object store", &warned)) continue;
    ClientId client = next_client_id_++;
    Status added = AddToEpoll(epoll_fd_.get(), fd->get(), client, EPOLLIN);
    if (!added.ok()) {
      COLONY_LOG(WARNING) << "object store: " << added.ToString();
      continue;
    }
    auto conn = std::make_unique<Connection>();
    conn->id = client;
    conn->fd = std::move(*fd);
    connections_.emplace(client, std::move(conn));
  }
}

void PlasmaStore::ReadFrom(Connection& conn) {
  if (conn.closing) return;
  ssize_t n = read(conn.fd.get(), read_buffer_.data(), read_buffer_.size());
  if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
  if (n <= 0) return MarkBroken(conn);  // EOF: the client went away
  conn.in.Append(read_buffer_.data(), static_cast<size_t>(n));
  Frame frame;
  while (!conn.closing) {
    auto next = conn.in.Next(&frame);
    if (!next.ok()) {
      COLONY_LOG(WARNING) << "object store client " << conn.id << ": " << next.status().ToString();
      return MarkBroken(conn);
    }
    if (!*next) return;
    Dispatch(conn, frame);
  }
}

void PlasmaStore::Dispatch(Connection& conn, Frame& frame) {
  ClientId client = conn.id;
  if (!conn.connected && frame.type != MessageType::kConnect) return MarkBroken(conn);
  std::string reply;
  switch (frame.type) {
    case MessageType::kConnect:
      return HandleConnect(conn, frame.request_id);
    case MessageType::kGet: {
      GetRequest request;
      if (!DecodeMessage(frame.body, &request)) return MarkBroken(conn);
      if (request.timeout_ms < -1 || request.timeout_ms > kMaxGetTimeoutMs) {
        reply = EncodeReply(Status::InvalidArgument(
            "Get timeout_ms " + std::to_string(request.timeout_ms) +
            " must be -1 (forever), 0 or up to " + std::to_string(kMaxGetTimeoutMs)));
        break;
      }
      return HandleGet(conn, frame.request_id, std::move(request));
    }
    case MessageType::kCreate: {
      CreateRequest r;
      if (!DecodeMessage(frame.body, &r)) return MarkBroken(conn);
      reply = EncodeReply(table_->Create(client, r.id, r.data_size, r.metadata_size));
      break;
    }
    case MessageType::kSealAndPin: {
      SealAndPinRequest r;
      if (!DecodeMessage(frame.body, &r)) return MarkBroken(conn);
      Status status = table_->SealAndPin(client, r.id, r.owner);
      reply = EncodeReply(status);
      if (status.ok()) OnSealed(r.id);
      break;
    }
    case MessageType::kDeleteOwnedBy: {
      std::string owner;
      if (!DecodeMessage(frame.body, &owner)) return MarkBroken(conn);
      reply = EncodeReply(StatusOr<uint64_t>(table_->DeleteOwnedBy(owner)));
      break;
    }
    case MessageType::kContains: {
      ObjectID id;
      if (!DecodeMessage(frame.body, &id)) return MarkBroken(conn);
      reply = EncodeReply(StatusOr<bool>(table_->Contains(id)));
      break;
    }
    case MessageType::kStats: {
      StoreStats stats = table_->Stats();
      stats.num_clients = connections_.size();
      reply = EncodeReply(StatusOr<StoreStats>(stats));
      break;
    }
    default: {
      ObjectID id;
      if (!DecodeMessage(frame.body, &id)) return MarkBroken(conn);
      Status status = ApplyIdRequest(frame.type, client, id);
      reply = EncodeReply(status);
      if (status.ok() && frame.type == MessageType::kSeal) OnSealed(id);
      break;
    }
  }
  Send(conn, EncodeFrame(frame.type, frame.request_id, reply));
}

Status PlasmaStore::ApplyIdRequest(MessageType type, ClientId client, const ObjectID& id) {
  switch (type) {
    case MessageType::kSeal: return table_->Seal(client, id);
    case MessageType::kAbort: return table_->Abort(client, id);
    case MessageType::kRelease: return table_->Release(client, id);
    case MessageType::kDelete: return table_->Delete(id);
    case MessageType::kPin: return table_->Pin(id);
    case MessageType::kUnpin: return table_->Unpin(id);
    default: return Status::InvalidArgument("not an object request");
  }
}

void PlasmaStore::HandleConnect(Connection& conn, uint64_t request_id) {
  if (conn.connected) return MarkBroken(conn);
  conn.connected = true;
  std::string reply = EncodeFrame(MessageType::kConnect, request_id,
                                  EncodeReply(StatusOr<uint64_t>(region_->size())));
  // The fd rides on the reply's first byte, so the client maps the region before any call.
  auto sent = SendWithFd(conn.fd.get(), reply.data(), reply.size(), region_->fd());
  if (!sent.ok() || *sent == 0) return MarkBroken(conn);
  if (*sent < reply.size()) Send(conn, reply.substr(*sent));
}

void PlasmaStore::HandleGet(Connection& conn, uint64_t request_id, GetRequest request) {
  uint64_t get_id = next_get_id_++;
  auto get = std::make_unique<PendingGet>();
  get->client = conn.id;
  get->request_id = request_id;
  get->ids = std::move(request.ids);
  get->entries.resize(get->ids.size());
  get->done.assign(get->ids.size(), false);
  get->remaining = get->ids.size();
  PendingGet& parked = *get;
  pending_gets_.emplace(get_id, std::move(get));
  conn.gets.insert(get_id);
  if (Progress(get_id, parked) || request.timeout_ms == 0) return CompleteGet(get_id);
  for (size_t i = 0; i < parked.ids.size(); ++i) {
    if (!parked.done[i]) waiters_[parked.ids[i]].insert(get_id);
  }
  if (request.timeout_ms > 0) {
    parked.deadline =
        deadlines_.emplace(Clock::now() + std::chrono::milliseconds(request.timeout_ms), get_id);
  }
}

bool PlasmaStore::Progress(uint64_t get_id, PendingGet& get) {
  bool blocked = false;
  for (size_t i = 0; i < get.ids.size(); ++i) {
    if (get.done[i]) continue;
    auto acquired = table_->Acquire(get.client, get.ids[i]);
    StatusCode code = acquired.status().code();
    if (code == StatusCode::kNotFound) {
      get.entries[i].status =
          Status::TimedOut("object " + get.ids[i].Hex() + " was not sealed before the timeout");
      continue;
    }
    if (code == StatusCode::kObjectStoreFull) {
      get.entries[i].status = acquired.status();  // retried when memory is released
      blocked = true;
      continue;
    }
    get.entries[i].status = acquired.status();
    if (acquired.ok()) get.entries[i].location = *acquired;
    get.done[i] = true;
    --get.remaining;
  }
  if (blocked) {
    blocked_gets_.insert(get_id);
  } else {
    blocked_gets_.erase(get_id);
  }
  return get.remaining == 0;
}

void PlasmaStore::CompleteGet(uint64_t get_id) {
  auto node = pending_gets_.extract(get_id);
  if (node.empty()) return;
  PendingGet& get = *node.mapped();
  for (const ObjectID& id : get.ids) {
    auto waiting = waiters_.find(id);
    if (waiting == waiters_.end()) continue;
    waiting->second.erase(get_id);
    if (waiting->second.empty()) waiters_.erase(waiting);
  }
  if (get.deadline) deadlines_.erase(*get.deadline);
  blocked_gets_.erase(get_id);
  auto conn = connections_.find(get.client);
  if (conn == connections_.end()) return;
  conn->second->gets.erase(get_id);
  Encoder reply;
  Write(reply, Status::OK());
  Write(reply, get.entries);
  Send(*conn->second, EncodeFrame(MessageType::kGet, get.request_id, reply.Take()));
}

void PlasmaStore::OnSealed(const ObjectID& id) {
  auto waiting = waiters_.find(id);
  if (waiting == waiters_.end()) return;
  std::vector<uint64_t> gets(waiting->second.begin(), waiting->second.end());
  for (uint64_t get_id : gets) {
    auto it = pending_gets_.find(get_id);
    if (it != pending_gets_.end() && Progress(get_id, *it->second)) CompleteGet(get_id);
  }
}

void PlasmaStore::ExpireGets() {
  auto now = Clock::now();
  while (!deadlines_.empty() && deadlines_.begin()->first <= now) {
    CompleteGet(deadlines_.begin()->second);
  }
}

void PlasmaStore::RetryBlockedGets() {
  if (table_->release_epoch() == seen_release_epoch_) return;
  seen_release_epoch_ = table_->release_epoch();
  std::vector<uint64_t> gets(blocked_gets_.begin(), blocked_gets_.end());
  for (uint64_t get_id : gets) {
    auto it = pending_gets_.find(get_id);
    if (it != pending_gets_.end() && Progress(get_id, *it->second)) CompleteGet(get_id);
  }
}

void PlasmaStore::Send(Connection& conn, const std::string& bytes) {
  if (conn.closing) return;
  if (!conn.out.empty()) {
    conn.out += bytes;  // keep order behind what is already queued
    return;
  }
  ssize_t n = send(conn.fd.get(), bytes.data(), bytes.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) n = 0;
  if (n < 0) return MarkBroken(conn);
  if (static_cast<size_t>(n) == bytes.size()) return;
  conn.out.assign(bytes, static_cast<size_t>(n), std::string::npos);
  SetWriteInterest(conn, true);
}

void PlasmaStore::Flush(Connection& conn) {
  if (conn.closing || conn.out.empty()) return;
  ssize_t n = send(conn.fd.get(), conn.out.data(), conn.out.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)) return;
  if (n < 0) return MarkBroken(conn);
  conn.out.erase(0, static_cast<size_t>(n));
  if (conn.out.empty()) SetWriteInterest(conn, false);
}

void PlasmaStore::SetWriteInterest(Connection& conn, bool want) {
  epoll_event ev{};
  ev.events = EPOLLIN | (want ? EPOLLOUT : 0u);
  ev.data.u64 = conn.id;
  if (epoll_ctl(epoll_fd_.get(), EPOLL_CTL_MOD, conn.fd.get(), &ev) != 0) MarkBroken(conn);
}

void PlasmaStore::MarkBroken(Connection& conn) {
  if (conn.closing) return;
  conn.closing = true;
  broken_.push_back(conn.id);
}

void PlasmaStore::CloseBrokenConnections() {
  for (ClientId client : broken_) {
    auto it = connections_.find(client);
    if (it == connections_.end()) continue;
    std::vector<uint64_t> gets(it->second->gets.begin(), it->second->gets.end());
    for (uint64_t get_id : gets) CompleteGet(get_id);  // closing: nothing is sent
    // Everything the client held is released and its unsealed creates are discarded.
    table_->DisconnectClient(client);
    epoll_ctl(epoll_fd_.get(), EPOLL_CTL_DEL, it->second->fd.get(), nullptr);
    connections_.erase(it);
  }
  broken_.clear();
  RetryBlockedGets();
}

}  // namespace colony::plasma
