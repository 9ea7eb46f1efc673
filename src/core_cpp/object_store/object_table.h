// ObjectTable: the store's state machine, without I/O to clients. Owns the allocator and
// decides what to evict or spill when a create or restore does not fit:
//   1. sealed objects no client holds and the raylet has not pinned (cache copies), LRU;
//   2. then sealed, pinned, unheld objects (primary copies) are spilled to disk, LRU;
//   3. only then does the request fail with ObjectStoreFull.
// A client's reference comes from Create (until Release) or from each successful Acquire.
// Not thread-safe; PlasmaStore serialises calls.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/id.h"
#include "common/status.h"
#include "object_store/allocator.h"
#include "object_store/plasma_types.h"
#include "object_store/spill_store.h"

namespace colony::plasma {

using ClientId = uint64_t;

// What the hosting raylet may want to hear: an object became readable here, or it is gone
// from this node (evicted or deleted). Spilling is not removal: a spilled object stays readable.
struct ObjectEvent {
  enum class Kind { kSealed, kRemoved };
  Kind kind;
  ObjectID id;
  ObjectLocation location;
};

class ObjectTable {
 public:
  // `base` is the mapped region of `capacity` bytes; without `spill` pinned objects are
  // never moved out of memory.
  ObjectTable(uint8_t* base, uint64_t capacity, std::optional<SpillStore> spill);
  ~ObjectTable();
  ObjectTable(const ObjectTable&) = delete;
  ObjectTable& operator=(const ObjectTable&) = delete;

  // Allocates an unsealed object; the creator holds a reference until it releases it.
  StatusOr<ObjectLocation> Create(ClientId client, const ObjectID& id, uint64_t data_size,
                                  uint64_t metadata_size);
  Status Seal(ClientId client, const ObjectID& id);
  // Discards an unsealed object of this client.
  Status Abort(ClientId client, const ObjectID& id);
  // OK: the client holds one more reference. NotFound: not sealed yet (wait for it).
  // ObjectStoreFull: spilled and no room to restore now (retry after memory is released).
  // Any other error is final.
  StatusOr<ObjectLocation> Acquire(ClientId client, const ObjectID& id);
  Status Release(ClientId client, const ObjectID& id);
  // Removes a sealed object now, or at its last release if clients hold it.
  Status Delete(const ObjectID& id);
  // Sealed (in memory or spilled) and not being deleted.
  bool Contains(const ObjectID& id) const;
  Status Pin(const ObjectID& id);
  Status Unpin(const ObjectID& id);
  // The creator's usual sequence in one step: seals, pins the object as the primary copy
  // of `owner` (a worker id; its death frees the object) and drops the creator's reference.
  Status SealAndPin(ClientId client, const ObjectID& id, const std::string& owner);
  // The owner died: its primary copies go (at once, or at their readers' last release).
  size_t DeleteOwnedBy(const std::string& owner);
  // Drops every reference the client holds and aborts its unsealed objects.
  void DisconnectClient(ClientId client);

  StoreStats Stats() const;
  // Bumped whenever memory may have become reclaimable (release, delete, abort, unpin),
  // so the server knows when retrying blocked restores can help.
  uint64_t release_epoch() const { return release_epoch_; }
  std::vector<ObjectEvent> TakeEvents() { return std::move(events_); }

 private:
  enum class IdleList { kNone, kEvictable, kSpillable };
  struct Entry {
    ObjectLocation location;
    uint64_t alloc_size = 0;
    ClientId creator = 0;
    uint64_t ref_count = 0;
    bool sealed = false;
    bool in_memory = true;  // false: only in the spill file
    bool pinned = false;
    std::string owner;  // worker id whose primary copy this is; empty if none
    bool delete_pending = false;
    IdleList idle = IdleList::kNone;
    std::list<ObjectID>::iterator idle_it;
  };
  struct ClientState {
    std::unordered_map<ObjectID, uint64_t> refs;
    std::unordered_set<ObjectID> creating;
  };
  using EntryMap = std::unordered_map<ObjectID, Entry>;

  StatusOr<uint64_t> AllocateWithReclaim(const ObjectID& id, uint64_t data_size,
                                         uint64_t metadata_size);
  Status ReclaimOne();
  Status Spill(const ObjectID& id, Entry& entry);
  Status Restore(const ObjectID& id, Entry& entry);
  void RemoveEntry(EntryMap::iterator it, bool announce);
  void AddRef(ClientId client, const ObjectID& id, Entry& entry);
  void DropRefs(const ObjectID& id, uint64_t count);
  // Keeps the LRU lists in step with an entry's state; touching moves it to the back.
  void Reindex(const ObjectID& id, Entry& entry);
  void Unindex(Entry& entry);
  Status FullError(const ObjectID& id, uint64_t data_size, uint64_t metadata_size,
                   const std::string& why) const;

  uint8_t* base_;
  Allocator allocator_;
  std::optional<SpillStore> spill_;
  EntryMap objects_;
  std::unordered_map<std::string, std::unordered_set<ObjectID>> owned_by_;
  std::unordered_map<ClientId, ClientState> clients_;
  std::list<ObjectID> evictable_lru_;  // sealed, in memory, unheld, unpinned
  std::list<ObjectID> spillable_lru_;  // sealed, in memory, unheld, pinned (with spill_)
  uint64_t reclaimable_bytes_ = 0;     // allocation bytes on the two lists
  uint64_t num_spilled_ = 0;
  uint64_t spilled_bytes_ = 0;
  uint64_t total_evicted_ = 0;
  uint64_t total_spilled_ = 0;
  uint64_t total_restored_ = 0;
  uint64_t release_epoch_ = 0;
  std::vector<ObjectEvent> events_;
};

}  // namespace colony::plasma
