#include "raylet/isolation/cgroup_v2.h"

#include <sstream>

#include "raylet/isolation/cgroup_fs.h"
#include "raylet/isolation/cpu_quota.h"

namespace colony::raylet {
namespace {

bool HasWords(const std::string& text, std::initializer_list<const char*> words) {
  std::istringstream in(text);
  std::set<std::string> have;
  std::string w;
  while (in >> w) have.insert(w);
  for (const char* word : words) {
    if (!have.count(word)) return false;
  }
  return true;
}

// Enables cpu and memory for the children of `dir` unless they are already.
Status EnableControllers(const std::string& dir) {
  auto enabled = cgroupfs::Read(dir + "/cgroup.subtree_control");
  if (enabled && HasWords(*enabled, {"cpu", "memory"})) return Status::OK();
  Status status = cgroupfs::Write(dir + "/cgroup.subtree_control", "+cpu +memory");
  if (!status.ok()) {
    // EBUSY here: a non-root cgroup with processes in it cannot hand controllers down.
    return Status::IOError(status.message() + " (a cgroup holding processes other than the "
                           "root cannot enable controllers for its children)");
  }
  return Status::OK();
}

}  // namespace

Status CgroupV2Isolation::Setup() {
  auto available = cgroupfs::Read(own_dir_ + "/cgroup.controllers");
  if (!available) return Status::IOError("cannot read " + own_dir_ + "/cgroup.controllers");
  if (!HasWords(*available, {"cpu", "memory"})) {
    return Status::Unavailable("the cpu and memory controllers are not available in " +
                               own_dir_ + " (it has: '" + *available + "')");
  }
  COLONY_RETURN_IF_ERROR(EnableControllers(own_dir_));
  COLONY_RETURN_IF_ERROR(cgroupfs::MakeDir(parent_));
  Status status = EnableControllers(parent_);
  if (!status.ok()) cgroupfs::RemoveDir(parent_);
  return status;
}

Status CgroupV2Isolation::AddProcess(pid_t pid) {
  COLONY_RETURN_IF_ERROR(cgroupfs::MakeDir(Dir(pid)));
  pids_.insert(pid);
  return cgroupfs::Write(Dir(pid) + "/cgroup.procs", std::to_string(pid));
}

Status CgroupV2Isolation::SetLimits(pid_t pid, const IsolationLimits& limits) {
  if (!pids_.count(pid)) return Status::NotFound("pid " + std::to_string(pid) + " has no cgroup");
  std::string dir = Dir(pid);
  int64_t quota = CpuQuotaUs(limits.cpus);
  COLONY_RETURN_IF_ERROR(cgroupfs::Write(
      dir + "/cpu.max",
      (quota > 0 ? std::to_string(quota) : std::string("max")) + " " + std::to_string(kCpuPeriodUs)));
  bool limited = limits.memory_bytes > 0;
  COLONY_RETURN_IF_ERROR(cgroupfs::Write(
      dir + "/memory.max", limited ? std::to_string(limits.memory_bytes) : "max"));
  // Absent where the kernel has no swap accounting.
  if (cgroupfs::Exists(dir + "/memory.swap.max")) {
    COLONY_RETURN_IF_ERROR(cgroupfs::Write(dir + "/memory.swap.max", limited ? "0" : "max"));
  }
  limits_[pid] = limits;
  return Status::OK();
}

bool CgroupV2Isolation::WasOomKilled(pid_t pid) {
  return pids_.count(pid) && cgroupfs::ReadKeyed(Dir(pid) + "/memory.events", "oom_kill") > 0;
}

IsolationLimits CgroupV2Isolation::LimitsOf(pid_t pid) const {
  auto it = limits_.find(pid);
  return it == limits_.end() ? IsolationLimits{} : it->second;
}

void CgroupV2Isolation::RemoveProcess(pid_t pid) {
  if (!pids_.erase(pid)) return;
  limits_.erase(pid);
  cgroupfs::RemoveDir(Dir(pid));
}

void CgroupV2Isolation::RemoveAll() {
  std::set<pid_t> pids = pids_;
  for (pid_t pid : pids) RemoveProcess(pid);
  cgroupfs::RemoveDir(parent_);
}

}  // namespace colony::raylet
