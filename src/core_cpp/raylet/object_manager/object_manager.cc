#include "raylet/object_manager/object_manager.h"

#include <algorithm>
#include <chrono>
#include <cstring>

#include "common/logging.h"
#include "common/memcopy.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {
namespace {
constexpr int64_t kStopWaitMs = 2000;
}  // namespace

// One object being copied here. Chunk replies arrive on gRPC threads in any order; each
// is copied into its place in the created object, and the last one seals it.
struct ObjectManager::Transfer {
  ObjectID id;
  std::string from_address;
  std::vector<rpc::ObjectManagerService::Stub*> peers;
  std::mutex mu;  // guards everything below
  std::vector<PullCallback> waiters;
  bool created = false;
  plasma::MutableObjectBuffer buffer;
  uint64_t data_size = 0;
  uint64_t next_offset = 0;     // first byte not yet requested
  uint64_t received_bytes = 0;
  int in_flight = 0;
  Status error;                 // first failure; the transfer ends when nothing is in flight
};

ObjectManager::ObjectManager(NodeID self, std::string token, ObjectManagerOptions options)
    : self_(self), token_(std::move(token)), options_(options) {}

ObjectManager::~ObjectManager() { Stop(); }

Status ObjectManager::Start(plasma::PlasmaStore* store) {
  store_ = store;
  return plasma_.Connect(store_->socket_path());
}

void ObjectManager::Stop() {
  std::unique_lock<std::mutex> lock(mu_);
  stopped_ = true;
  drained_.wait_for(lock, std::chrono::milliseconds(kStopWaitMs),
                    [this] { return transfers_.empty(); });
}

size_t ObjectManager::num_active_pulls() {
  std::lock_guard<std::mutex> lock(mu_);
  return transfers_.size();
}

void ObjectManager::Pull(const ObjectID& id, const std::string& from_address, PullCallback done) {
  if (store_->Contains(id)) return done(Status::OK());
  std::shared_ptr<Transfer> transfer;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return done(Status::Unavailable("the raylet is shutting down"));
    auto [it, inserted] = transfers_.try_emplace(id);
    if (!inserted) {
      std::lock_guard<std::mutex> transfer_lock(it->second->mu);
      it->second->waiters.push_back(std::move(done));
      return;
    }
    it->second = std::make_shared<Transfer>();
    transfer = it->second;
  }
  transfer->id = id;
  transfer->from_address = from_address;
  transfer->peers = PeerStubs(from_address);
  transfer->waiters.push_back(std::move(done));
  transfer->in_flight = 1;
  transfer->next_offset = options_.chunk_bytes;
  // The first reply tells the size; the rest of the pipeline starts from it.
  RequestChunk(transfer, 0);
}

void ObjectManager::RequestChunk(const std::shared_ptr<Transfer>& transfer, uint64_t offset) {
  rpc::ReadObjectChunkRequest request;
  request.set_object_id(transfer->id.Binary());
  request.set_offset(offset);
  request.set_length(options_.chunk_bytes);
  auto* peer = transfer->peers[(offset / options_.chunk_bytes) % transfer->peers.size()];
  rpc::CallUnary<rpc::ReadObjectChunkRequest, rpc::ReadObjectChunkReply>(
      token_, options_.chunk_timeout_ms, std::move(request),
      [peer](auto* ctx, auto* req, auto* reply, auto done) {
        peer->async()->ReadObjectChunk(ctx, req, reply, std::move(done));
      },
      [this, transfer, offset](Status status, rpc::ReadObjectChunkReply&& reply) {
        OnChunk(transfer, offset, std::move(status), std::move(reply));
      });
}

void ObjectManager::OnChunk(const std::shared_ptr<Transfer>& transfer, uint64_t offset,
                            Status status, rpc::ReadObjectChunkReply&& reply) {
  std::vector<uint64_t> to_request;
  bool finished = false;
  {
    std::unique_lock<std::mutex> lock(transfer->mu);
    transfer->in_flight--;
    if (transfer->error.ok() && !status.ok()) transfer->error = status;
    if (transfer->error.ok() && !transfer->created) {
      transfer->error = CreateLocal(*transfer, reply);
    }
    if (transfer->error.ok()) {
      const std::string& data = reply.data();
      if (offset + data.size() > transfer->data_size) {
        transfer->error = Status::Internal("chunk beyond the object's size");
      } else {
        // Distinct chunks go to distinct bytes: copy without the lock.
        lock.unlock();
        CopyLarge(transfer->buffer.data + offset, data.data(), data.size());
        lock.lock();
        transfer->received_bytes += data.size();
        FillPipeline(transfer, &to_request);
      }
    }
    finished = transfer->in_flight == 0 && to_request.empty() &&
               (!transfer->error.ok() || transfer->received_bytes == transfer->data_size);
  }
  if (finished) return Finish(transfer, transfer->error);
  for (uint64_t next : to_request) RequestChunk(transfer, next);
}

std::vector<rpc::ObjectManagerService::Stub*> ObjectManager::PeerStubs(const std::string& address) {
  std::lock_guard<std::mutex> lock(peers_mu_);
  auto& stubs = peers_[address];
  while (stubs.size() < static_cast<size_t>(std::max(1, options_.chunks_in_flight))) {
    stubs.push_back(rpc::ObjectManagerService::NewStub(rpc::MakeChannel(address)));
  }
  std::vector<rpc::ObjectManagerService::Stub*> out;
  for (auto& stub : stubs) out.push_back(stub.get());
  return out;
}

Status ObjectManager::CreateLocal(Transfer& transfer, const rpc::ReadObjectChunkReply& reply) {
  transfer.data_size = reply.data_size();
  auto buffer = plasma_.Create(transfer.id, reply.data_size(), reply.metadata().size());
  if (!buffer.ok()) return buffer.status();
  transfer.buffer = *buffer;
  transfer.created = true;
  if (!reply.metadata().empty()) {
    std::memcpy(transfer.buffer.metadata, reply.metadata().data(), reply.metadata().size());
  }
  return Status::OK();
}

void ObjectManager::FillPipeline(const std::shared_ptr<Transfer>& transfer,
                                 std::vector<uint64_t>* to_request) {
  while (transfer->in_flight < options_.chunks_in_flight &&
         transfer->next_offset < transfer->data_size) {
    to_request->push_back(transfer->next_offset);
    transfer->next_offset += options_.chunk_bytes;
    transfer->in_flight++;
  }
}

void ObjectManager::Finish(const std::shared_ptr<Transfer>& transfer, Status status) {
  if (transfer->created) {
    if (status.ok()) status = plasma_.Seal(transfer->id);
    if (status.ok()) {
      // The copy is sealed and readable either way; a failed release only keeps it
      // unevictable, worth a line in the log but not a failed pull.
      Status released = plasma_.Release(transfer->id);
      if (!released.ok()) {
        COLONY_LOG(WARNING) << "releasing pulled object " << transfer->id.Hex()
                            << " failed: " << released.ToString();
      }
    } else {
      // The pull failed (logged below); an abort that fails too leaves nothing more to undo.
      (void)plasma_.Abort(transfer->id);
    }
  } else if (status.code() == StatusCode::kAlreadyExists) {
    status = Status::OK();  // sealed here meanwhile (a local reconstruction, say)
  }
  if (!status.ok()) {
    COLONY_LOG(WARNING) << "pull of object " << transfer->id.Hex() << " from "
                        << transfer->from_address << " failed: " << status.ToString();
  }
  std::vector<PullCallback> waiters;
  {
    std::lock_guard<std::mutex> lock(mu_);
    transfers_.erase(transfer->id);
    std::lock_guard<std::mutex> transfer_lock(transfer->mu);
    waiters = std::move(transfer->waiters);
  }
  drained_.notify_all();
  for (auto& done : waiters) done(status);
}

Status ObjectManager::ReadChunk(const rpc::ReadObjectChunkRequest& request,
                                rpc::ReadObjectChunkReply* reply) {
  if (!ObjectID::IsValidBinary(request.object_id())) {
    return Status::InvalidArgument("object_id must be " + std::to_string(ObjectID::kSize) +
                                   " bytes");
  }
  ObjectID id = ObjectID::FromBinary(request.object_id());
  auto object = plasma_.Get(id, 0);
  if (!object.ok()) {
    if (object.status().code() == StatusCode::kTimedOut) {
      return Status::NotFound("object " + id.Hex() + " is not in the store of node " +
                              self_.Hex());
    }
    return object.status();
  }
  reply->set_data_size(object->data_size);
  reply->set_metadata(reinterpret_cast<const char*>(object->metadata), object->metadata_size);
  uint64_t offset = std::min<uint64_t>(request.offset(), object->data_size);
  uint64_t length = std::min<uint64_t>(request.length(), object->data_size - offset);
  std::string* data = reply->mutable_data();
  data->resize(length);
  CopyLarge(data->data(), object->data + offset, length);
  // The chunk is copied into the reply: a failed release does not change the answer.
  (void)plasma_.Release(id);
  chunks_served_++;
  return Status::OK();
}

void ObjectManager::Free(const std::vector<ObjectID>& ids) {
  // FreeObjects has no per-object answer: an object already gone (NotFound) is what the
  // owner asked for, and one not sealed yet is still being created by a pull, whose copy
  // is a cache copy (evictable).
  for (const auto& id : ids) (void)store_->Delete(id);
}

}  // namespace colony::raylet
