#include "common/filesystem.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstring>

namespace colony {

Status MakeDirs(const std::string& path) {
  for (size_t pos = 1; pos <= path.size(); pos++) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
      return Status::IOError("cannot create " + prefix + ": " + std::strerror(errno));
    }
  }
  return Status::OK();
}

}  // namespace colony
