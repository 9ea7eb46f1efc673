#include "object_store/spill_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>

#include "object_store/unique_fd.h"

namespace colony::plasma {
namespace {

Status ErrnoStatus(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

}  // namespace

StatusOr<SpillStore> SpillStore::Open(const std::string& directory) {
  if (directory.empty()) return Status::InvalidArgument("empty spill directory");
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Status::IOError("create spill directory " + directory + ": " + ec.message());
  return SpillStore(directory);
}

std::string SpillStore::PathOf(const ObjectID& id) const {
  return directory_ + "/" + id.Hex() + ".spill";
}

Status SpillStore::Write(const ObjectID& id, const uint8_t* bytes, uint64_t size) const {
  std::string path = PathOf(id);
  UniqueFd fd(open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (!fd.valid()) return ErrnoStatus("open " + path);
  for (uint64_t done = 0; done < size;) {
    ssize_t n = pwrite(fd.get(), bytes + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      Status s = ErrnoStatus("write " + path);
      unlink(path.c_str());  // a partial file must never be mistaken for the object
      return s;
    }
    done += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

Status SpillStore::Read(const ObjectID& id, uint8_t* out, uint64_t size) const {
  std::string path = PathOf(id);
  UniqueFd fd(open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) return ErrnoStatus("open " + path);
  for (uint64_t done = 0; done < size;) {
    ssize_t n = pread(fd.get(), out + done, size - done, static_cast<off_t>(done));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("read " + path);
    if (n == 0) return Status::IOError("spill file " + path + " is truncated");
    done += static_cast<uint64_t>(n);
  }
  return Status::OK();
}

void SpillStore::Remove(const ObjectID& id) const { unlink(PathOf(id).c_str()); }

}  // namespace colony::plasma
