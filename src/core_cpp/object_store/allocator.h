// Allocator: hands out 64-byte aligned blocks of a fixed-size region, by offset. Best fit
// over a size-ordered free set, coalescing on free: O(log n) per call, low fragmentation.
// Not thread-safe; the store serialises access.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <unordered_map>
#include <utility>

#include "common/status.h"

namespace colony::plasma {

class Allocator {
 public:
  // 64 bytes: a cache line, and what numpy/Arrow want for zero-copy buffers.
  static constexpr uint64_t kAlignment = 64;

  // Manages offsets [0, capacity rounded down to kAlignment).
  explicit Allocator(uint64_t capacity);

  static uint64_t AlignUp(uint64_t size) { return (size + kAlignment - 1) & ~(kAlignment - 1); }

  // Returns the offset of a block of at least max(size, 1) bytes, rounded up to kAlignment.
  // ObjectStoreFull if no free block is large enough.
  StatusOr<uint64_t> Allocate(uint64_t size);
  // InvalidArgument if `offset` is not the start of a live allocation.
  Status Free(uint64_t offset);
  // Size of the live allocation at `offset`, 0 if none.
  uint64_t AllocationSize(uint64_t offset) const;

  uint64_t capacity() const { return capacity_; }
  uint64_t used_bytes() const { return used_; }
  uint64_t free_bytes() const { return capacity_ - used_; }
  uint64_t largest_free_block() const;
  size_t num_allocations() const { return allocated_.size(); }
  size_t num_free_blocks() const { return free_by_offset_.size(); }

 private:
  void InsertFree(uint64_t offset, uint64_t size);
  void EraseFree(std::map<uint64_t, uint64_t>::iterator it);

  uint64_t capacity_;
  uint64_t used_ = 0;
  std::map<uint64_t, uint64_t> free_by_offset_;          // offset -> size, for coalescing
  std::set<std::pair<uint64_t, uint64_t>> free_by_size_;  // (size, offset), for best fit
  std::unordered_map<uint64_t, uint64_t> allocated_;      // offset -> size
};

}  // namespace colony::plasma
