#include "raylet/isolation/cgroup_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

namespace colony::raylet::cgroupfs {

Status Write(const std::string& path, const std::string& value) {
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return Status::IOError("cannot open " + path + ": " + strerror(errno));
  // One write: the kernel parses a control file's value from a single write call.
  ssize_t n = write(fd, value.data(), value.size());
  int err = errno;
  close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    return Status::IOError("cannot write '" + value + "' to " + path + ": " +
                           (n < 0 ? strerror(err) : "short write"));
  }
  return Status::OK();
}

std::optional<std::string> Read(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

Status MakeDir(const std::string& path) {
  if (mkdir(path.c_str(), 0755) == 0 || errno == EEXIST) return Status::OK();
  return Status::IOError("cannot create " + path + ": " + strerror(errno));
}

void RemoveDir(const std::string& path) {
  if (rmdir(path.c_str()) == 0 || errno != ENOTEMPTY) return;
  if (DIR* dir = opendir(path.c_str())) {
    while (dirent* e = readdir(dir)) {
      std::string child = path + "/" + e->d_name;
      struct stat st;
      if (lstat(child.c_str(), &st) == 0 && S_ISREG(st.st_mode)) unlink(child.c_str());
    }
    closedir(dir);
  }
  rmdir(path.c_str());
}

int64_t ReadKeyed(const std::string& path, const std::string& key) {
  auto text = Read(path);
  if (!text) return 0;
  std::istringstream in(*text);
  std::string name;
  int64_t value;
  while (in >> name >> value) {
    if (name == key) return value;
  }
  return 0;
}

}  // namespace colony::raylet::cgroupfs
