#include "raylet/worker_log_index.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "common/id.h"

namespace colony::raylet {
namespace {

std::vector<std::string> Split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

bool ParseInt(const std::string& text, int64_t* value) {
  if (text.empty()) return false;
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (errno != 0 || *end != '\0') return false;
  *value = v;
  return true;
}

// A file name of the logs folder: no separators, so a bad index cannot point elsewhere.
bool IsPlainName(const std::string& name) {
  return !name.empty() && name.find('/') == std::string::npos && name != "." && name != "..";
}

}  // namespace

std::string WorkerLogIndex::Format(const rpc::WorkerLogInfo& info) {
  std::string ids;
  for (const auto& id : info.worker_ids()) {
    ids += (ids.empty() ? "" : ",") + WorkerID::FromBinary(id).Hex();
  }
  return std::to_string(info.pid()) + "\t" + JobID::FromBinary(info.job_id()).Hex() + "\t" +
         rpc::Language_Name(info.language()) + "\t" + std::to_string(info.started_ms()) + "\t" +
         info.out_file() + "\t" + info.err_file() + "\t" + ids + "\n";
}

bool WorkerLogIndex::Parse(const std::string& line, rpc::WorkerLogInfo* info) {
  std::vector<std::string> f = Split(line, '\t');
  if (f.size() != 7) return false;
  int64_t pid = 0, started = 0;
  if (!ParseInt(f[0], &pid) || !ParseInt(f[3], &started)) return false;
  std::string job = HexToBytes(f[1]);
  rpc::Language language;
  if (!JobID::IsValidBinary(job) || !rpc::Language_Parse(f[2], &language)) return false;
  if (!IsPlainName(f[4]) || !IsPlainName(f[5])) return false;
  info->Clear();
  info->set_pid(static_cast<int32_t>(pid));
  info->set_job_id(job);
  info->set_language(language);
  info->set_started_ms(started);
  info->set_out_file(f[4]);
  info->set_err_file(f[5]);
  for (const auto& hex : Split(f[6], ',')) {
    std::string id = HexToBytes(hex);
    if (!WorkerID::IsValidBinary(id)) return false;
    info->add_worker_ids(id);
  }
  return info->worker_ids_size() > 0;
}

Status WorkerLogIndex::Append(const rpc::WorkerLogInfo& info) const {
  std::string line = Format(info);
  int fd = open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IOError("cannot open " + path_ + ": " + std::strerror(errno));
  // O_APPEND with one write: lines from concurrent appends do not interleave.
  ssize_t n = write(fd, line.data(), line.size());
  int write_errno = errno;
  close(fd);
  if (n != static_cast<ssize_t>(line.size())) {
    return Status::IOError("cannot append to " + path_ + ": " + std::strerror(write_errno));
  }
  return Status::OK();
}

std::vector<rpc::WorkerLogInfo> WorkerLogIndex::ReadAll() const {
  std::vector<rpc::WorkerLogInfo> out;
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    rpc::WorkerLogInfo info;
    if (Parse(line, &info)) out.push_back(std::move(info));
  }
  return out;
}

}  // namespace colony::raylet
