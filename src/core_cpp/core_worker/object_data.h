// A value as a language binding reads it: inline bytes from the memory store, or a
// read-only view of an object in the node's shared-memory store, which stays mapped and
// referenced until the last holder of `shared` lets go.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "core_worker/memory_store.h"

namespace colony {

class SharedObject {
 public:
  SharedObject(const uint8_t* data, uint64_t size, std::function<void()> release)
      : data_(data), size_(size), release_(std::move(release)) {}
  ~SharedObject() { release_(); }
  SharedObject(const SharedObject&) = delete;
  SharedObject& operator=(const SharedObject&) = delete;
  const uint8_t* data() const { return data_; }
  uint64_t size() const { return size_; }

 private:
  const uint8_t* data_;
  uint64_t size_;
  std::function<void()> release_;
};

// One buffer of a value a binding writes in pieces laid end to end.
struct DataPiece {
  const uint8_t* data;
  uint64_t size;
};

inline uint64_t TotalSize(const std::vector<DataPiece>& pieces) {
  uint64_t total = 0;
  for (const DataPiece& piece : pieces) total += piece.size;
  return total;
}

struct ObjectData {
  ObjectValuePtr value;                   // inline value, or the marker of a shared one
  std::shared_ptr<SharedObject> shared;   // set when the bytes are in shared memory
  const std::string& metadata() const { return value->metadata(); }
};

}  // namespace colony
