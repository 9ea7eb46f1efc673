// PlasmaClient: a process's connection to its node's object store. Connect maps the
// store's shared region once; Create returns a writable pointer into it and Get returns
// read-only pointers to the same bytes every other process sees (no copies).
//
//   PlasmaClient client;
//   COLONY_RETURN_IF_ERROR(client.Connect(socket_path));
//   auto buffer = client.Create(id, data.size(), 0);         // holds a reference
//   memcpy(buffer->data, data.data(), data.size());
//   client.Seal(id);
//   client.Release(id);                                       // drop the creator's reference
//   auto object = client.Get(id, /*timeout_ms=*/1000);        // holds a reference again
//   ... read object->data ...
//   client.Release(id);
//
// Every successful Create and every OK entry of a Get holds one reference, which keeps the
// object in memory (not evicted, not spilled) until a matching Release or disconnect.
// Thread-safe: calls from several threads are pipelined over the one socket, so a thread
// blocked in Get never stops another thread from sealing what it waits for.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/id.h"
#include "common/status.h"
#include "object_store/plasma_types.h"
#include "object_store/protocol.h"
#include "object_store/shared_memory.h"
#include "object_store/unique_fd.h"

namespace colony::plasma {

// A sealed object as seen by a reader: views into the shared region.
struct ObjectBuffer {
  const uint8_t* data = nullptr;
  uint64_t data_size = 0;
  const uint8_t* metadata = nullptr;
  uint64_t metadata_size = 0;
  uint64_t offset = 0;  // of `data` within the region
};

// A created, unsealed object: the creator fills data and metadata, then seals.
struct MutableObjectBuffer {
  uint8_t* data = nullptr;
  uint64_t data_size = 0;
  uint8_t* metadata = nullptr;
  uint64_t metadata_size = 0;
  uint64_t offset = 0;
};

class PlasmaClient {
 public:
  PlasmaClient() = default;
  // Disconnects and unmaps the region: views from this client must not outlive it, and no
  // call may still be running.
  ~PlasmaClient();
  PlasmaClient(const PlasmaClient&) = delete;
  PlasmaClient& operator=(const PlasmaClient&) = delete;

  // Connects and maps the store's region. Call once, before sharing the client.
  Status Connect(const std::string& socket_path);
  // The store then releases everything this client held and aborts its unsealed creates.
  // Mapped bytes stay addressable until destruction.
  void Disconnect();
  bool connected() const { return connected_; }

  // ObjectStoreFull (naming requested size, capacity and used bytes) if even eviction and
  // spilling cannot make room; AlreadyExists if the id is taken.
  StatusOr<MutableObjectBuffer> Create(const ObjectID& id, uint64_t data_size,
                                       uint64_t metadata_size);
  Status Seal(const ObjectID& id);
  // Seal + Pin as `owner`'s primary copy + Release, in one round trip: what a core worker
  // does with each object it creates. The copy lives until Delete or DeleteOwnedBy(owner).
  Status SealAndPin(const ObjectID& id, const std::string& owner);
  StatusOr<uint64_t> DeleteOwnedBy(const std::string& owner);
  // Discards an object this client created and has not sealed.
  Status Abort(const ObjectID& id);
  // Waits up to timeout_ms (-1: forever, 0: not at all) for every id to be sealed; spilled
  // objects are restored. Per id: the buffer (release it later), or TimedOut /
  // ObjectStoreFull (spilled, no room to restore). The outer status is for transport errors.
  StatusOr<std::vector<StatusOr<ObjectBuffer>>> Get(const std::vector<ObjectID>& ids,
                                                    int64_t timeout_ms);
  StatusOr<ObjectBuffer> Get(const ObjectID& id, int64_t timeout_ms);
  Status Release(const ObjectID& id);
  // Removes a sealed object, at once or when its last holder releases it.
  Status Delete(const ObjectID& id);
  StatusOr<bool> Contains(const ObjectID& id);
  // Marks a primary copy (spill, never evict) / a cache copy. The raylet's calls.
  Status Pin(const ObjectID& id);
  Status Unpin(const ObjectID& id);
  StatusOr<StoreStats> Stats();

  const uint8_t* region_base() const { return region_ ? region_->base() : nullptr; }
  uint64_t region_size() const { return region_ ? region_->size() : 0; }

 private:
  StatusOr<std::string> Call(MessageType type, const std::string& body);
  Status CallWithId(MessageType type, const ObjectID& id);
  // Waits for the reply to `request_id`, reading the socket itself if no other thread is.
  StatusOr<std::string> AwaitReply(uint64_t request_id);
  Status ReadFrame(Frame* frame);
  // The Connect handshake: receives the region's fd and maps it.
  Status MapRegion();
  Status ReadConnectReply(Frame* frame, UniqueFd* region_fd);
  Status CheckInRegion(const ObjectLocation& location) const;

  std::unique_ptr<SharedMemoryRegion> region_;
  UniqueFd sock_;
  std::atomic<bool> connected_{false};

  std::mutex write_mu_;  // one frame at a time on the socket
  uint64_t next_request_id_ = 1;

  std::mutex read_mu_;
  std::condition_variable reply_cv_;
  bool reader_active_ = false;  // some caller is reading the socket for everyone
  Status read_error_;
  std::unordered_map<uint64_t, std::string> replies_;
  FrameBuffer in_;  // touched only by the active reader
  std::vector<char> read_buffer_ = std::vector<char>(64 * 1024);
};

}  // namespace colony::plasma
