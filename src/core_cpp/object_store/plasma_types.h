// Plain values shared by the store, its wire protocol and its clients.
#pragma once

#include <cstdint>

namespace colony::plasma {

// Where an object lives in the shared region: data at `offset`, metadata right after it.
struct ObjectLocation {
  uint64_t offset = 0;
  uint64_t data_size = 0;
  uint64_t metadata_size = 0;
};

struct StoreStats {
  uint64_t capacity = 0;            // bytes the allocator manages
  uint64_t used_bytes = 0;          // bytes allocated to objects in memory
  uint64_t largest_free_block = 0;  // biggest object that fits without eviction
  uint64_t num_objects = 0;         // objects in the table, in memory or spilled
  uint64_t num_spilled = 0;         // objects currently on disk only
  uint64_t spilled_bytes = 0;       // bytes of those objects
  uint64_t num_clients = 0;
  uint64_t total_evicted = 0;       // cumulative counters
  uint64_t total_spilled = 0;
  uint64_t total_restored = 0;
};

}  // namespace colony::plasma
