// PlasmaStore: the node's shared-memory object store server. The raylet constructs and
// starts it; core workers reach it through PlasmaClient over a Unix socket. One thread
// (owned by the store) serves all clients with epoll; a Get waiting for an unsealed or
// not-yet-restorable object parks without blocking anyone.
//
//   PlasmaStoreOptions options;
//   options.socket_path = session_dir + "/plasma.sock";
//   options.capacity_bytes = 2ull << 30;
//   options.spill_directory = session_dir + "/spill";
//   PlasmaStore store(std::move(options));
//   COLONY_RETURN_IF_ERROR(store.Start());
//   store.Pin(id);  // the owner is alive: never evict, spill under pressure instead
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/id.h"
#include "common/status.h"
#include "object_store/object_table.h"
#include "object_store/protocol.h"
#include "object_store/shared_memory.h"
#include "object_store/unique_fd.h"

namespace colony::plasma {

struct PlasmaStoreOptions {
  std::string socket_path;
  uint64_t capacity_bytes = 0;
  // Where pinned objects go under memory pressure. Empty: no spilling, so pinned objects
  // stay in memory and a create that only spilling could satisfy fails.
  std::string spill_directory;
  // Called outside the store's lock, on the thread that caused the event.
  std::function<void(const ObjectEvent&)> on_object_event;
};

class PlasmaStore {
 public:
  explicit PlasmaStore(PlasmaStoreOptions options);
  ~PlasmaStore();
  PlasmaStore(const PlasmaStore&) = delete;
  PlasmaStore& operator=(const PlasmaStore&) = delete;

  // Creates the shared region, listens on the socket and starts the serving thread.
  Status Start();
  // Disconnects every client, removes spill files and the socket. Idempotent; no restart.
  void Stop();

  // Thread-safe calls for the hosting process; same meaning as the socket messages.
  // Pin marks a primary copy (its owner is alive): spilled under pressure, never evicted.
  Status Pin(const ObjectID& id);
  Status Unpin(const ObjectID& id);
  Status Delete(const ObjectID& id);
  // A worker died: deletes the primary copies it owned (SealAndPin with its id).
  size_t DeleteOwnedBy(const std::string& owner);
  bool Contains(const ObjectID& id);
  StoreStats Stats();

  const std::string& socket_path() const { return options_.socket_path; }

 private:
  using Clock = std::chrono::steady_clock;
  struct Connection {
    ClientId id = 0;
    UniqueFd fd;
    FrameBuffer in;
    std::string out;  // reply bytes the socket did not take yet
    bool connected = false;
    bool closing = false;
    std::unordered_set<uint64_t> gets;
  };
  struct PendingGet {
    ClientId client = 0;
    uint64_t request_id = 0;
    std::vector<ObjectID> ids;
    std::vector<GetEntry> entries;
    std::vector<bool> done;
    size_t remaining = 0;
    std::optional<std::multimap<Clock::time_point, uint64_t>::iterator> deadline;
  };

  void Run();
  int NextTimeoutMs();
  void HandleEvent(uint64_t token, uint32_t events);
  void AcceptAll();
  void ReadFrom(Connection& conn);
  void Dispatch(Connection& conn, Frame& frame);
  Status ApplyIdRequest(MessageType type, ClientId client, const ObjectID& id);
  void HandleConnect(Connection& conn, uint64_t request_id);
  void HandleGet(Connection& conn, uint64_t request_id, GetRequest request);
  // Acquires what it can of a pending Get; true once every id is resolved.
  bool Progress(uint64_t get_id, PendingGet& get);
  void CompleteGet(uint64_t get_id);
  void OnSealed(const ObjectID& id);
  void ExpireGets();
  void RetryBlockedGets();
  void Send(Connection& conn, const std::string& bytes);
  void Flush(Connection& conn);
  void SetWriteInterest(Connection& conn, bool want);
  void MarkBroken(Connection& conn);
  void CloseBrokenConnections();
  void Wake();
  // Runs a direct call under the lock, then lets the loop see freed memory and fires events.
  Status RunLocked(const std::function<Status()>& call);
  void Fire(const std::vector<ObjectEvent>& events);

  const PlasmaStoreOptions options_;
  std::unique_ptr<SharedMemoryRegion> region_;
  UniqueFd listen_fd_;
  UniqueFd epoll_fd_;
  UniqueFd wake_fd_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::vector<char> read_buffer_;

  std::mutex mu_;  // guards everything below
  std::unique_ptr<ObjectTable> table_;
  std::unordered_map<ClientId, std::unique_ptr<Connection>> connections_;
  std::vector<ClientId> broken_;
  ClientId next_client_id_ = 2;  // 0 and 1 are the listen and wake epoll tokens
  std::unordered_map<uint64_t, std::unique_ptr<PendingGet>> pending_gets_;
  std::unordered_map<ObjectID, std::unordered_set<uint64_t>> waiters_;  // unsealed id -> gets
  std::multimap<Clock::time_point, uint64_t> deadlines_;
  std::unordered_set<uint64_t> blocked_gets_;  // waiting for memory to restore a spilled object
  uint64_t next_get_id_ = 1;
  uint64_t seen_release_epoch_ = 0;
};

}  // namespace colony::plasma
