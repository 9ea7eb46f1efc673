#include "object_store/plasma_client.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "object_store/unix_socket.h"

namespace colony::plasma {

PlasmaClient::~PlasmaClient() { Disconnect(); }

Status PlasmaClient::Connect(const std::string& socket_path) {
  if (sock_.valid()) return Status::InvalidArgument("client is already connected");
  auto sock = ConnectUnix(socket_path);
  if (!sock.ok()) return sock.status();
  sock_ = std::move(*sock);
  Status status = MapRegion();
  if (!status.ok()) {
    sock_.Reset();
    return status;
  }
  connected_ = true;
  return Status::OK();
}

Status PlasmaClient::MapRegion() {
  std::string hello = EncodeFrame(MessageType::kConnect, 0, "");
  COLONY_RETURN_IF_ERROR(SendAll(sock_.get(), hello.data(), hello.size()));
  Frame frame;
  UniqueFd region_fd;
  COLONY_RETURN_IF_ERROR(ReadConnectReply(&frame, &region_fd));
  auto size = DecodeReply<uint64_t>(frame.body);
  if (!size.ok()) return size.status();
  if (!region_fd.valid()) return Status::IOError("object store sent no region fd");
  auto region = SharedMemoryRegion::Map(std::move(region_fd), *size);
  if (!region.ok()) return region.status();
  region_ = std::move(*region);
  return Status::OK();
}

Status PlasmaClient::ReadConnectReply(Frame* frame, UniqueFd* region_fd) {
  while (true) {
    auto next = in_.Next(frame);
    if (!next.ok()) return next.status();
    if (*next) break;
    auto n = RecvWithFd(sock_.get(), read_buffer_.data(), read_buffer_.size(), region_fd);
    if (!n.ok()) return n.status();
    if (*n == 0) return Status::IOError("object store closed the connection during connect");
    in_.Append(read_buffer_.data(), *n);
  }
  if (frame->type != MessageType::kConnect) return MalformedReply();
  return Status::OK();
}

void PlasmaClient::Disconnect() {
  // shutdown, not close: threads blocked in a call wake with an error, and the fd number
  // cannot be reused under them.
  if (connected_.exchange(false)) shutdown(sock_.get(), SHUT_RDWR);
}

StatusOr<MutableObjectBuffer> PlasmaClient::Create(const ObjectID& id, uint64_t data_size,
                                                   uint64_t metadata_size) {
  auto reply =
      Call(MessageType::kCreate, EncodeMessage(CreateRequest{id, data_size, metadata_size}));
  if (!reply.ok()) return reply.status();
  auto location = DecodeReply<ObjectLocation>(*reply);
  if (!location.ok()) return location.status();
  COLONY_RETURN_IF_ERROR(CheckInRegion(*location));
  MutableObjectBuffer buffer;
  buffer.offset = location->offset;
  buffer.data = region_->base() + location->offset;
  buffer.data_size = location->data_size;
  buffer.metadata = buffer.data + location->data_size;
  buffer.metadata_size = location->metadata_size;
  return buffer;
}

Status PlasmaClient::Seal(const ObjectID& id) { return CallWithId(MessageType::kSeal, id); }
Status PlasmaClient::SealAndPin(const ObjectID& id, const std::string& owner) {
  auto reply = Call(MessageType::kSealAndPin, EncodeMessage(SealAndPinRequest{id, owner}));
  if (!reply.ok()) return reply.status();
  return DecodeStatusReply(*reply);
}

StatusOr<uint64_t> PlasmaClient::DeleteOwnedBy(const std::string& owner) {
  auto reply = Call(MessageType::kDeleteOwnedBy, EncodeMessage(owner));
  if (!reply.ok()) return reply.status();
  return DecodeReply<uint64_t>(*reply);
}

Status PlasmaClient::Abort(const ObjectID& id) { return CallWithId(MessageType::kAbort, id); }
Status PlasmaClient::Release(const ObjectID& id) { return CallWithId(MessageType::kRelease, id); }
Status PlasmaClient::Delete(const ObjectID& id) { return CallWithId(MessageType::kDelete, id); }
Status PlasmaClient::Pin(const ObjectID& id) { return CallWithId(MessageType::kPin, id); }
Status PlasmaClient::Unpin(const ObjectID& id) { return CallWithId(MessageType::kUnpin, id); }

StatusOr<std::vector<StatusOr<ObjectBuffer>>> PlasmaClient::Get(const std::vector<ObjectID>& ids,
                                                                int64_t timeout_ms) {
  if (ids.size() > kMaxIdsPerGet) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxIdsPerGet) + " ids per Get");
  }
  auto reply = Call(MessageType::kGet, EncodeMessage(GetRequest{timeout_ms, ids}));
  if (!reply.ok()) return reply.status();
  auto entries = DecodeReply<std::vector<GetEntry>>(*reply);
  if (!entries.ok()) return entries.status();
  if (entries->size() != ids.size()) return MalformedReply();
  std::vector<StatusOr<ObjectBuffer>> results;
  results.reserve(ids.size());
  for (const GetEntry& entry : *entries) {
    Status status = entry.status.ok() ? CheckInRegion(entry.location) : entry.status;
    if (!status.ok()) {
      results.emplace_back(status);
      continue;
    }
    ObjectBuffer buffer;
    buffer.offset = entry.location.offset;
    buffer.data = region_->base() + entry.location.offset;
    buffer.data_size = entry.location.data_size;
    buffer.metadata = buffer.data + entry.location.data_size;
    buffer.metadata_size = entry.location.metadata_size;
    results.emplace_back(buffer);
  }
  return results;
}

StatusOr<ObjectBuffer> PlasmaClient::Get(const ObjectID& id, int64_t timeout_ms) {
  auto results = Get(std::vector<ObjectID>{id}, timeout_ms);
  if (!results.ok()) return results.status();
  return std::move((*results)[0]);
}

StatusOr<bool> PlasmaClient::Contains(const ObjectID& id) {
  auto reply = Call(MessageType::kContains, EncodeMessage(id));
  if (!reply.ok()) return reply.status();
  return DecodeReply<bool>(*reply);
}

StatusOr<StoreStats> PlasmaClient::Stats() {
  auto reply = Call(MessageType::kStats, "");
  if (!reply.ok()) return reply.status();
  return DecodeReply<StoreStats>(*reply);
}

Status PlasmaClient::CallWithId(MessageType type, const ObjectID& id) {
  auto reply = Call(type, EncodeMessage(id));
  if (!reply.ok()) return reply.status();
  return DecodeStatusReply(*reply);
}

StatusOr<std::string> PlasmaClient::Call(MessageType type, const std::string& body) {
  if (!connected_) return Status::Unavailable("not connected to the object store");
  uint64_t request_id;
  {
    std::lock_guard<std::mutex> lock(write_mu_);
    request_id = next_request_id_++;
    std::string frame = EncodeFrame(type, request_id, body);
    COLONY_RETURN_IF_ERROR(SendAll(sock_.get(), frame.data(), frame.size()));
  }
  return AwaitReply(request_id);
}

StatusOr<std::string> PlasmaClient::AwaitReply(uint64_t request_id) {
  std::unique_lock<std::mutex> lock(read_mu_);
  while (true) {
    auto it = replies_.find(request_id);
    if (it != replies_.end()) {
      std::string body = std::move(it->second);
      replies_.erase(it);
      return body;
    }
    if (!read_error_.ok()) return read_error_;
    if (reader_active_) {
      reply_cv_.wait(lock);
      continue;
    }
    // Become the reader: whoever waits reads, so a lone caller needs no thread hand-off.
    reader_active_ = true;
    lock.unlock();
    Frame frame;
    Status status = ReadFrame(&frame);
    lock.lock();
    reader_active_ = false;
    if (status.ok()) {
      replies_[frame.request_id] = std::move(frame.body);
    } else {
      read_error_ = status;
    }
    reply_cv_.notify_all();
  }
}

Status PlasmaClient::ReadFrame(Frame* frame) {
  while (true) {
    auto next = in_.Next(frame);
    if (!next.ok()) return next.status();
    if (*next) return Status::OK();
    ssize_t n = read(sock_.get(), read_buffer_.data(), read_buffer_.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      return Status::IOError(std::string("read from object store: ") + std::strerror(errno));
    }
    if (n == 0) return Status::IOError("object store closed the connection");
    in_.Append(read_buffer_.data(), static_cast<size_t>(n));
  }
}

Status PlasmaClient::CheckInRegion(const ObjectLocation& location) const {
  uint64_t size = location.data_size + location.metadata_size;
  if (size < location.data_size || location.offset > region_->size() ||
      size > region_->size() - location.offset) {
    return Status::IOError("object store returned a location outside the shared region");
  }
  return Status::OK();
}

}  // namespace colony::plasma
