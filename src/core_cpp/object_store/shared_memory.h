// SharedMemoryRegion: one shared, file-backed mapping of the node's object store. The
// server creates it (memfd, else an unlinked file in /dev/shm); clients map the fd they
// receive over the store socket, so every process of the node sees the same bytes.
#pragma once

#include <cstdint>
#include <memory>

#include "common/status.h"
#include "object_store/unique_fd.h"

namespace colony::plasma {

class SharedMemoryRegion {
 public:
  // Creates and maps a zero-filled region of `size` bytes (rounded up to a page).
  static StatusOr<std::unique_ptr<SharedMemoryRegion>> Create(uint64_t size);
  // Maps `size` bytes of an existing region's fd, read-write and shared.
  static StatusOr<std::unique_ptr<SharedMemoryRegion>> Map(UniqueFd fd, uint64_t size);

  ~SharedMemoryRegion();
  SharedMemoryRegion(const SharedMemoryRegion&) = delete;
  SharedMemoryRegion& operator=(const SharedMemoryRegion&) = delete;

  uint8_t* base() const { return base_; }
  uint64_t size() const { return size_; }
  int fd() const { return fd_.get(); }

 private:
  SharedMemoryRegion(UniqueFd fd, uint8_t* base, uint64_t size)
      : fd_(std::move(fd)), base_(base), size_(size) {}

  UniqueFd fd_;
  uint8_t* base_;
  uint64_t size_;
};

}  // namespace colony::plasma
