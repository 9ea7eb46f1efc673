#include "object_store/object_table.h"

#include <string>

#include "common/logging.h"

namespace colony::plasma {
namespace {

std::string Bytes(uint64_t n) { return std::to_string(n) + " bytes"; }

}  // namespace

ObjectTable::ObjectTable(uint8_t* base, uint64_t capacity, std::optional<SpillStore> spill)
    : base_(base), allocator_(capacity), spill_(std::move(spill)) {}

ObjectTable::~ObjectTable() {
  // Spilled bytes are meaningless once the store is gone.
  for (auto& [id, entry] : objects_) {
    if (!entry.in_memory) spill_->Remove(id);
  }
}

StatusOr<ObjectLocation> ObjectTable::Create(ClientId client, const ObjectID& id,
                                             uint64_t data_size, uint64_t metadata_size) {
  if (data_size + metadata_size < data_size) {
    return Status::InvalidArgument("object size overflows");
  }
  auto existing = objects_.find(id);
  if (existing != objects_.end()) {
    return Status::AlreadyExists("object " + id.Hex() + " already exists" +
                                 (existing->second.delete_pending ? " (being deleted)" : ""));
  }
  auto offset = AllocateWithReclaim(id, data_size, metadata_size);
  if (!offset.ok()) return offset.status();
  Entry& entry = objects_[id];
  entry.location = {*offset, data_size, metadata_size};
  entry.alloc_size = allocator_.AllocationSize(*offset);
  entry.creator = client;
  clients_[client].creating.insert(id);
  AddRef(client, id, entry);
  return entry.location;
}

Status ObjectTable::Seal(ClientId client, const ObjectID& id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return Status::NotFound("object " + id.Hex() + " was not created");
  Entry& entry = it->second;
  if (entry.sealed) return Status::InvalidArgument("object " + id.Hex() + " is already sealed");
  if (entry.creator != client) {
    return Status::InvalidArgument("object " + id.Hex() + " was created by another client");
  }
  entry.sealed = true;
  clients_[client].creating.erase(id);
  events_.push_back({ObjectEvent::Kind::kSealed, id, entry.location});
  Reindex(id, entry);
  return Status::OK();
}

Status ObjectTable::Abort(ClientId client, const ObjectID& id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return Status::NotFound("object " + id.Hex() + " was not created");
  if (it->second.sealed) return Status::InvalidArgument("object " + id.Hex() + " is sealed");
  if (it->second.creator != client) {
    return Status::InvalidArgument("object " + id.Hex() + " was created by another client");
  }
  ClientState& state = clients_[client];
  state.creating.erase(id);
  state.refs.erase(id);  // the creator's reference is the only one an unsealed object has
  RemoveEntry(it, /*announce=*/false);
  ++release_epoch_;
  return Status::OK();
}

StatusOr<ObjectLocation> ObjectTable::Acquire(ClientId client, const ObjectID& id) {
  auto it = objects_.find(id);
  if (it == objects_.end() || !it->second.sealed || it->second.delete_pending) {
    return Status::NotFound("object " + id.Hex() + " is not sealed in the store");
  }
  Entry& entry = it->second;
  if (!entry.in_memory) COLONY_RETURN_IF_ERROR(Restore(id, entry));
  AddRef(client, id, entry);
  return entry.location;
}

Status ObjectTable::Release(ClientId client, const ObjectID& id) {
  auto state = clients_.find(client);
  if (state == clients_.end() || state->second.refs.count(id) == 0) {
    return Status::InvalidArgument("client does not hold object " + id.Hex());
  }
  auto ref = state->second.refs.find(id);
  if (state->second.creating.count(id) != 0) {
    return Status::InvalidArgument("object " + id.Hex() + " must be sealed or aborted first");
  }
  if (--ref->second == 0) state->second.refs.erase(ref);
  DropRefs(id, 1);
  ++release_epoch_;
  return Status::OK();
}

Status ObjectTable::Delete(const ObjectID& id) {
  auto it = objects_.find(id);
  if (it == objects_.end() || it->second.delete_pending) {
    return Status::NotFound("object " + id.Hex() + " is not in the store");
  }
  Entry& entry = it->second;
  if (!entry.sealed) return Status::InvalidArgument("object " + id.Hex() + " is not sealed");
  if (entry.ref_count > 0) {
    // Readers keep their mapped bytes valid; the memory goes at the last release.
    entry.delete_pending = true;
    events_.push_back({ObjectEvent::Kind::kRemoved, id, entry.location});
    return Status::OK();
  }
  RemoveEntry(it, /*announce=*/true);
  ++release_epoch_;
  return Status::OK();
}

Status ObjectTable::SealAndPin(ClientId client, const ObjectID& id, const std::string& owner) {
  COLONY_RETURN_IF_ERROR(Seal(client, id));
  Entry& entry = objects_[id];
  entry.pinned = true;
  if (!owner.empty()) {
    entry.owner = owner;
    owned_by_[owner].insert(id);
  }
  return Release(client, id);
}

size_t ObjectTable::DeleteOwnedBy(const std::string& owner) {
  auto node = owned_by_.extract(owner);
  if (node.empty()) return 0;
  size_t deleted = 0;
  for (const ObjectID& id : node.mapped()) {
    auto it = objects_.find(id);
    if (it == objects_.end()) continue;
    it->second.owner.clear();
    if (Delete(id).ok()) ++deleted;
  }
  return deleted;
}

bool ObjectTable::Contains(const ObjectID& id) const {
  auto it = objects_.find(id);
  return it != objects_.end() && it->second.sealed && !it->second.delete_pending;
}

Status ObjectTable::Pin(const ObjectID& id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return Status::NotFound("object " + id.Hex() + " is not in the store");
  it->second.pinned = true;
  Reindex(id, it->second);
  return Status::OK();
}

Status ObjectTable::Unpin(const ObjectID& id) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return Status::NotFound("object " + id.Hex() + " is not in the store");
  it->second.pinned = false;
  Reindex(id, it->second);
  ++release_epoch_;
  return Status::OK();
}

void ObjectTable::DisconnectClient(ClientId client) {
  auto node = clients_.extract(client);
  if (node.empty()) return;
  ClientState& state = node.mapped();
  for (const ObjectID& id : state.creating) {
    state.refs.erase(id);
    auto it = objects_.find(id);
    if (it != objects_.end() && !it->second.sealed) RemoveEntry(it, /*announce=*/false);
  }
  for (const auto& [id, count] : state.refs) DropRefs(id, count);
  ++release_epoch_;
}

StoreStats ObjectTable::Stats() const {
  StoreStats stats;
  stats.capacity = allocator_.capacity();
  stats.used_bytes = allocator_.used_bytes();
  stats.largest_free_block = allocator_.largest_free_block();
  stats.num_objects = objects_.size();
  stats.num_spilled = num_spilled_;
  stats.spilled_bytes = spilled_bytes_;
  stats.total_evicted = total_evicted_;
  stats.total_spilled = total_spilled_;
  stats.total_restored = total_restored_;
  return stats;
}

StatusOr<uint64_t> ObjectTable::AllocateWithReclaim(const ObjectID& id, uint64_t data_size,
                                                   uint64_t metadata_size) {
  uint64_t size = data_size + metadata_size;
  uint64_t need = Allocator::AlignUp(size == 0 ? 1 : size);
  // `size > capacity` first: near 2^64 the alignment wraps `need` to a small number, and
  // the loop below would evict and spill everything before failing.
  if (size > allocator_.capacity() || need > allocator_.capacity()) {
    return FullError(id, data_size, metadata_size, "the object is larger than the store");
  }
  // Fail fast rather than evict objects for a request that cannot fit anyway.
  if (allocator_.free_bytes() + reclaimable_bytes_ < need) {
    return FullError(id, data_size, metadata_size,
                     "only " + Bytes(reclaimable_bytes_) +
                         " could be evicted or spilled; the rest is held by clients, "
                         "being created, or pinned with spilling disabled");
  }
  while (true) {
    auto offset = allocator_.Allocate(size);
    if (offset.ok()) return offset;
    Status reclaimed = ReclaimOne();
    if (!reclaimed.ok()) return FullError(id, data_size, metadata_size, reclaimed.message());
  }
}

Status ObjectTable::ReclaimOne() {
  if (!evictable_lru_.empty()) {
    ObjectID victim = evictable_lru_.front();
    COLONY_LOG(DEBUG) << "evicting unpinned object " << victim.Hex();
    RemoveEntry(objects_.find(victim), /*announce=*/true);
    ++total_evicted_;
    return Status::OK();
  }
  if (!spillable_lru_.empty()) {
    ObjectID victim = spillable_lru_.front();
    return Spill(victim, objects_.at(victim));
  }
  return Status(StatusCode::kObjectStoreFull,
                "nothing left to evict or spill (free space is fragmented between held objects)");
}

Status ObjectTable::Spill(const ObjectID& id, Entry& entry) {
  uint64_t size = entry.location.data_size + entry.location.metadata_size;
  Status written = spill_->Write(id, base_ + entry.location.offset, size);
  if (!written.ok()) {
    return Status(StatusCode::kObjectStoreFull, "spilling failed: " + written.message());
  }
  Unindex(entry);
  (void)allocator_.Free(entry.location.offset);
  entry.in_memory = false;
  ++num_spilled_;
  spilled_bytes_ += size;
  ++total_spilled_;
  COLONY_LOG(DEBUG) << "spilled object " << id.Hex() << " (" << size << " bytes)";
  return Status::OK();
}

Status ObjectTable::Restore(const ObjectID& id, Entry& entry) {
  uint64_t size = entry.location.data_size + entry.location.metadata_size;
  auto offset = AllocateWithReclaim(id, entry.location.data_size, entry.location.metadata_size);
  if (!offset.ok()) return offset.status();
  Status read = spill_->Read(id, base_ + *offset, size);
  if (!read.ok()) {
    (void)allocator_.Free(*offset);
    return read;
  }
  spill_->Remove(id);
  entry.location.offset = *offset;
  entry.alloc_size = allocator_.AllocationSize(*offset);
  entry.in_memory = true;
  --num_spilled_;
  spilled_bytes_ -= size;
  ++total_restored_;
  Reindex(id, entry);
  return Status::OK();
}

void ObjectTable::RemoveEntry(EntryMap::iterator it, bool announce) {
  const ObjectID& id = it->first;
  Entry& entry = it->second;
  Unindex(entry);
  if (!entry.owner.empty()) {
    auto owned = owned_by_.find(entry.owner);
    if (owned != owned_by_.end()) {
      owned->second.erase(id);
      if (owned->second.empty()) owned_by_.erase(owned);
    }
  }
  if (entry.in_memory) {
    (void)allocator_.Free(entry.location.offset);
  } else {
    spill_->Remove(id);
    --num_spilled_;
    spilled_bytes_ -= entry.location.data_size + entry.location.metadata_size;
  }
  // A pending delete was announced when it was requested.
  if (announce && entry.sealed && !entry.delete_pending) {
    events_.push_back({ObjectEvent::Kind::kRemoved, id, entry.location});
  }
  objects_.erase(it);
}

void ObjectTable::AddRef(ClientId client, const ObjectID& id, Entry& entry) {
  ++entry.ref_count;
  ++clients_[client].refs[id];
  Reindex(id, entry);
}

void ObjectTable::DropRefs(const ObjectID& id, uint64_t count) {
  auto it = objects_.find(id);
  if (it == objects_.end()) return;
  Entry& entry = it->second;
  entry.ref_count -= count;
  if (entry.ref_count > 0) return;
  if (entry.delete_pending) {
    RemoveEntry(it, /*announce=*/false);
  } else {
    Reindex(id, entry);
  }
}

void ObjectTable::Reindex(const ObjectID& id, Entry& entry) {
  Unindex(entry);
  if (!entry.sealed || !entry.in_memory || entry.ref_count > 0 || entry.delete_pending) return;
  if (entry.pinned && !spill_) return;  // a primary copy with nowhere to go stays put
  std::list<ObjectID>& list = entry.pinned ? spillable_lru_ : evictable_lru_;
  entry.idle = entry.pinned ? IdleList::kSpillable : IdleList::kEvictable;
  entry.idle_it = list.insert(list.end(), id);
  reclaimable_bytes_ += entry.alloc_size;
}

void ObjectTable::Unindex(Entry& entry) {
  if (entry.idle == IdleList::kNone) return;
  (entry.idle == IdleList::kEvictable ? evictable_lru_ : spillable_lru_).erase(entry.idle_it);
  entry.idle = IdleList::kNone;
  reclaimable_bytes_ -= entry.alloc_size;
}

Status ObjectTable::FullError(const ObjectID& id, uint64_t data_size, uint64_t metadata_size,
                              const std::string& why) const {
  return Status(StatusCode::kObjectStoreFull,
                "object store full: cannot fit object " + id.Hex() + " of " +
                    Bytes(data_size + metadata_size) + " (data " + std::to_string(data_size) +
                    " + metadata " + std::to_string(metadata_size) + "); capacity " +
                    Bytes(allocator_.capacity()) + ", used " + Bytes(allocator_.used_bytes()) +
                    ", largest free block " + Bytes(allocator_.largest_free_block()) + ": " + why);
}

}  // namespace colony::plasma
