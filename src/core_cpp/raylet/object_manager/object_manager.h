// Moves objects between nodes. A pull copies an object held in another node's store into
// this node's store: chunked reads over gRPC (ObjectManagerService.ReadObjectChunk), several
// chunks in flight, written straight into the created shared-memory object; concurrent
// pulls of one object share one transfer. The copy is a cache copy (evictable); the
// primary stays with its node. Also serves chunks of local objects to other nodes and frees
// primary copies at their owner's request.
//
// Thread-safe: pulls progress on gRPC callback threads; chunk reads run on the serving
// thread; nothing here touches the raylet's event loop.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/id.h"
#include "common/status.h"
#include "core_worker.grpc.pb.h"
#include "core_worker/client_pool.h"
#include "object_store/plasma_client.h"
#include "object_store/plasma_store.h"
#include "raylet.grpc.pb.h"

namespace colony::raylet {

struct ObjectManagerOptions {
  uint64_t chunk_bytes = 8ull << 20;
  int chunks_in_flight = 4;
  int64_t chunk_timeout_ms = 30000;
};

class ObjectManager {
 public:
  using PullCallback = std::function<void(Status)>;

  ObjectManager(NodeID self, std::string token, ObjectManagerOptions options = {});
  ~ObjectManager();

  // Connects to the node's store (after it started); call before any other method.
  Status Start(plasma::PlasmaStore* store);
  // Refuses new pulls and waits (briefly) for those in progress to end.
  void Stop();

  // Copies `id` from the raylet at `from_address` unless it is here already; `done` runs
  // once the local copy is sealed (or the transfer failed).
  void Pull(const ObjectID& id, const std::string& from_address, PullCallback done);
  // Serves a byte range of a sealed local object.
  Status ReadChunk(const rpc::ReadObjectChunkRequest& request, rpc::ReadObjectChunkReply* reply);
  // Deletes primary copies their owner freed.
  void Free(const std::vector<ObjectID>& ids);

  size_t num_active_pulls();
  uint64_t chunks_served() const { return chunks_served_; }

 private:
  struct Transfer;

  void RequestChunk(const std::shared_ptr<Transfer>& transfer, uint64_t offset);
  std::vector<rpc::ObjectManagerService::Stub*> PeerStubs(const std::string& address);
  void OnChunk(const std::shared_ptr<Transfer>& transfer, uint64_t offset, Status status,
               rpc::ReadObjectChunkReply&& reply);
  // Creates the local object from the first reply's size and metadata.
  Status CreateLocal(Transfer& transfer, const rpc::ReadObjectChunkReply& reply);
  // Issues chunk reads while below the in-flight limit; caller holds transfer.mu.
  void FillPipeline(const std::shared_ptr<Transfer>& transfer,
                    std::vector<uint64_t>* to_request);
  void Finish(const std::shared_ptr<Transfer>& transfer, Status status);

  const NodeID self_;
  const std::string token_;
  const ObjectManagerOptions options_;
  plasma::PlasmaStore* store_ = nullptr;
  plasma::PlasmaClient plasma_;

  std::atomic<uint64_t> chunks_served_{0};

  std::mutex mu_;  // guards the members below
  std::condition_variable drained_;
  bool stopped_ = false;
  std::unordered_map<ObjectID, std::shared_ptr<Transfer>> transfers_;

  // Last: their channels go first, before the state their callbacks touch.
  // One connection per chunk in flight to each peer: chunks travel over parallel TCP
  // streams instead of queueing behind each other on one.
  std::mutex peers_mu_;
  std::unordered_map<std::string, std::vector<std::unique_ptr<rpc::ObjectManagerService::Stub>>>
      peers_;
};

}  // namespace colony::raylet
