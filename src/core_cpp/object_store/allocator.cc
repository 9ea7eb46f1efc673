#include "object_store/allocator.h"

#include <string>

namespace colony::plasma {

Allocator::Allocator(uint64_t capacity) : capacity_(capacity & ~(kAlignment - 1)) {
  if (capacity_ > 0) InsertFree(0, capacity_);
}

StatusOr<uint64_t> Allocator::Allocate(uint64_t size) {
  uint64_t need = AlignUp(size == 0 ? 1 : size);
  if (need < size) return Status::InvalidArgument("allocation size overflows");
  auto fit = free_by_size_.lower_bound({need, 0});
  if (fit == free_by_size_.end()) {
    return Status(StatusCode::kObjectStoreFull,
                  "no free block of " + std::to_string(need) + " bytes (free " +
                      std::to_string(free_bytes()) + ", largest free block " +
                      std::to_string(largest_free_block()) + ")");
  }
  auto [block_size, offset] = *fit;
  EraseFree(free_by_offset_.find(offset));
  if (block_size > need) InsertFree(offset + need, block_size - need);
  allocated_.emplace(offset, need);
  used_ += need;
  return offset;
}

Status Allocator::Free(uint64_t offset) {
  auto it = allocated_.find(offset);
  if (it == allocated_.end()) {
    return Status::InvalidArgument("no allocation at offset " + std::to_string(offset));
  }
  uint64_t size = it->second;
  allocated_.erase(it);
  used_ -= size;
  // Merge with the free neighbours on both sides so free space stays in maximal blocks.
  auto next = free_by_offset_.lower_bound(offset);
  if (next != free_by_offset_.end() && next->first == offset + size) {
    size += next->second;
    next = std::next(next);
    EraseFree(std::prev(next));
  }
  if (next != free_by_offset_.begin()) {
    auto prev = std::prev(next);
    if (prev->first + prev->second == offset) {
      offset = prev->first;
      size += prev->second;
      EraseFree(prev);
    }
  }
  InsertFree(offset, size);
  return Status::OK();
}

uint64_t Allocator::AllocationSize(uint64_t offset) const {
  auto it = allocated_.find(offset);
  return it == allocated_.end() ? 0 : it->second;
}

uint64_t Allocator::largest_free_block() const {
  return free_by_size_.empty() ? 0 : free_by_size_.rbegin()->first;
}

void Allocator::InsertFree(uint64_t offset, uint64_t size) {
  free_by_offset_.emplace(offset, size);
  free_by_size_.emplace(size, offset);
}

void Allocator::EraseFree(std::map<uint64_t, uint64_t>::iterator it) {
  free_by_size_.erase({it->second, it->first});
  free_by_offset_.erase(it);
}

}  // namespace colony::plasma
