#include "raylet/log_file_service.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace colony::raylet {
namespace {

bool IsPlainName(const std::string& name) {
  return !name.empty() && name.size() < 256 && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos && name != "." && name != "..";
}

}  // namespace

Status LogFileService::List(rpc::ListLogsReply* reply) const {
  reply->set_node_id(node_id_.Binary());
  DIR* dir = opendir(logs_dir_.c_str());
  if (dir == nullptr) {
    return Status::IOError("cannot list " + logs_dir_ + ": " + std::strerror(errno));
  }
  while (dirent* entry = readdir(dir)) {
    std::string name = entry->d_name;
    struct stat st;
    if (!IsPlainName(name) || name == "workers.index") continue;
    if (lstat((logs_dir_ + "/" + name).c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    rpc::LogFileInfo* file = reply->add_files();
    file->set_name(name);
    file->set_size(static_cast<uint64_t>(st.st_size));
    file->set_modified_ms(static_cast<int64_t>(st.st_mtim.tv_sec) * 1000 +
                          st.st_mtim.tv_nsec / 1000000);
  }
  closedir(dir);
  std::sort(reply->mutable_files()->begin(), reply->mutable_files()->end(),
            [](const rpc::LogFileInfo& a, const rpc::LogFileInfo& b) { return a.name() < b.name(); });
  for (auto& worker : index_.ReadAll()) *reply->add_workers() = std::move(worker);
  return Status::OK();
}

Status LogFileService::Read(const rpc::ReadLogRequest& request, rpc::ReadLogReply* reply) const {
  if (!IsPlainName(request.name())) {
    return Status::InvalidArgument("name must be a file name of the logs folder (no '/'), got '" +
                                   request.name().substr(0, 256) + "'");
  }
  std::string path = logs_dir_ + "/" + request.name();
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
  if (fd < 0) {
    if (errno == ENOENT) return Status::NotFound("no log file " + request.name() + " on this node");
    return Status::IOError("cannot open " + request.name() + ": " + std::strerror(errno));
  }
  struct stat st;
  if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    close(fd);
    return Status::InvalidArgument(request.name() + " is not a regular file");
  }
  uint64_t size = static_cast<uint64_t>(st.st_size);
  uint64_t offset;
  if (request.offset() < 0) {
    uint64_t back = static_cast<uint64_t>(-(request.offset() + 1)) + 1;  // no overflow at INT64_MIN
    offset = back >= size ? 0 : size - back;
  } else {
    offset = std::min(static_cast<uint64_t>(request.offset()), size);
  }
  uint64_t want = request.max_bytes() == 0 ? kMaxReadBytes : std::min(request.max_bytes(), kMaxReadBytes);
  want = std::min(want, size - offset);
  std::string data(want, '\0');
  size_t got = 0;
  while (got < want) {
    ssize_t n = pread(fd, data.data() + got, want - got, static_cast<off_t>(offset + got));
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  close(fd);
  data.resize(got);
  reply->set_data(std::move(data));
  reply->set_offset(offset);
  reply->set_size(size);
  return Status::OK();
}

grpc::ServerUnaryReactor* LogFileService::ListLogs(grpc::CallbackServerContext* ctx,
                                                   const rpc::ListLogsRequest* /*request*/,
                                                   rpc::ListLogsReply* reply) {
  return rpc::Dispatch(ctx, token_, nullptr,
                       [this, reply](rpc::SendReply send) { send(List(reply)); });
}

grpc::ServerUnaryReactor* LogFileService::ReadLog(grpc::CallbackServerContext* ctx,
                                                  const rpc::ReadLogRequest* request,
                                                  rpc::ReadLogReply* reply) {
  return rpc::Dispatch(ctx, token_, nullptr, [this, request, reply](rpc::SendReply send) {
    send(Read(*request, reply));
  });
}

}  // namespace colony::raylet
