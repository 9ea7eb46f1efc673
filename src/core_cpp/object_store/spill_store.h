// SpillStore: the files that hold objects moved out of shared memory under pressure, one
// file per object (data then metadata), named by the object's hex ID in the spill directory.
#pragma once

#include <cstdint>
#include <string>

#include "common/id.h"
#include "common/status.h"

namespace colony::plasma {

class SpillStore {
 public:
  // Creates `directory` (and parents) if missing.
  static StatusOr<SpillStore> Open(const std::string& directory);

  Status Write(const ObjectID& id, const uint8_t* bytes, uint64_t size) const;
  // Reads exactly `size` bytes of a spilled object into `out`.
  Status Read(const ObjectID& id, uint8_t* out, uint64_t size) const;
  void Remove(const ObjectID& id) const;
  std::string PathOf(const ObjectID& id) const;

 private:
  explicit SpillStore(std::string directory) : directory_(std::move(directory)) {}
  std::string directory_;
};

}  // namespace colony::plasma
