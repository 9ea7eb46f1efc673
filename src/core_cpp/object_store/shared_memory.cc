#include "object_store/shared_memory.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

namespace colony::plasma {
namespace {

Status ErrnoStatus(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

StatusOr<UniqueFd> OpenAnonymousFile() {
  int fd = memfd_create("colony-plasma", MFD_CLOEXEC);
  if (fd >= 0) return UniqueFd(fd);
  // Old kernels or seccomp filters may lack memfd; an unlinked tmpfs file behaves the same.
  char path[] = "/dev/shm/colony-plasma-XXXXXX";
  fd = mkostemp(path, O_CLOEXEC);
  if (fd < 0) return ErrnoStatus("memfd_create and mkostemp in /dev/shm both failed");
  unlink(path);
  return UniqueFd(fd);
}

uint64_t RoundUpToPage(uint64_t size) {
  uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  return (size + page - 1) / page * page;
}

}  // namespace

StatusOr<std::unique_ptr<SharedMemoryRegion>> SharedMemoryRegion::Create(uint64_t size) {
  if (size == 0) return Status::InvalidArgument("shared memory size must be positive");
  size = RoundUpToPage(size);
  auto fd = OpenAnonymousFile();
  if (!fd.ok()) return fd.status();
  if (ftruncate(fd->get(), static_cast<off_t>(size)) != 0) {
    return ErrnoStatus("ftruncate shared memory to " + std::to_string(size) + " bytes");
  }
  return Map(std::move(*fd), size);
}

StatusOr<std::unique_ptr<SharedMemoryRegion>> SharedMemoryRegion::Map(UniqueFd fd, uint64_t size) {
  struct stat st;
  if (fstat(fd.get(), &st) != 0) return ErrnoStatus("fstat shared memory fd");
  if (static_cast<uint64_t>(st.st_size) < size) {
    return Status::InvalidArgument("shared memory fd holds " + std::to_string(st.st_size) +
                                   " bytes, expected at least " + std::to_string(size));
  }
  void* base = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd.get(), 0);
  if (base == MAP_FAILED) return ErrnoStatus("mmap shared memory");
  return std::unique_ptr<SharedMemoryRegion>(
      new SharedMemoryRegion(std::move(fd), static_cast<uint8_t*>(base), size));
}

SharedMemoryRegion::~SharedMemoryRegion() { munmap(base_, size_); }

}  // namespace colony::plasma
