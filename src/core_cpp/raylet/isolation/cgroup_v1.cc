#include "raylet/isolation/cgroup_v1.h"

#include <algorithm>
#include <cmath>

#include "raylet/isolation/cgroup_fs.h"
#include "raylet/isolation/cpu_quota.h"

namespace colony::raylet {

Status CgroupV1Isolation::Setup() {
  COLONY_RETURN_IF_ERROR(cgroupfs::MakeDir(cpu_parent_));
  Status status = cgroupfs::MakeDir(memory_parent_);
  if (!status.ok()) cgroupfs::RemoveDir(cpu_parent_);
  return status;
}

std::string CgroupV1Isolation::CpuDir(pid_t pid) const {
  return cpu_parent_ + "/worker-" + std::to_string(pid);
}

std::string CgroupV1Isolation::MemoryDir(pid_t pid) const {
  return memory_parent_ + "/worker-" + std::to_string(pid);
}

Status CgroupV1Isolation::AddProcess(pid_t pid) {
  for (const std::string& dir : {CpuDir(pid), MemoryDir(pid)}) {
    COLONY_RETURN_IF_ERROR(cgroupfs::MakeDir(dir));
    pids_.insert(pid);
    COLONY_RETURN_IF_ERROR(cgroupfs::Write(dir + "/cgroup.procs", std::to_string(pid)));
  }
  return Status::OK();
}

Status CgroupV1Isolation::SetLimits(pid_t pid, const IsolationLimits& limits) {
  if (!pids_.count(pid)) return Status::NotFound("pid " + std::to_string(pid) + " has no cgroup");
  std::string cpu = CpuDir(pid);
  COLONY_RETURN_IF_ERROR(cgroupfs::Write(cpu + "/cpu.cfs_period_us", std::to_string(kCpuPeriodUs)));
  int64_t quota = CpuQuotaUs(limits.cpus);
  COLONY_RETURN_IF_ERROR(
      cgroupfs::Write(cpu + "/cpu.cfs_quota_us", quota > 0 ? std::to_string(quota) : "-1"));
  COLONY_RETURN_IF_ERROR(cgroupfs::Write(
      MemoryDir(pid) + "/memory.limit_in_bytes",
      limits.memory_bytes > 0 ? std::to_string(limits.memory_bytes) : "-1"));
  limits_[pid] = limits;
  return Status::OK();
}

bool CgroupV1Isolation::WasOomKilled(pid_t pid) {
  return pids_.count(pid) && cgroupfs::ReadKeyed(MemoryDir(pid) + "/memory.oom_control", "oom_kill") > 0;
}

IsolationLimits CgroupV1Isolation::LimitsOf(pid_t pid) const {
  auto it = limits_.find(pid);
  return it == limits_.end() ? IsolationLimits{} : it->second;
}

void CgroupV1Isolation::RemoveProcess(pid_t pid) {
  if (!pids_.erase(pid)) return;
  limits_.erase(pid);
  cgroupfs::RemoveDir(CpuDir(pid));
  cgroupfs::RemoveDir(MemoryDir(pid));
}

void CgroupV1Isolation::RemoveAll() {
  std::set<pid_t> pids = pids_;
  for (pid_t pid : pids) RemoveProcess(pid);
  cgroupfs::RemoveDir(cpu_parent_);
  cgroupfs::RemoveDir(memory_parent_);
}

}  // namespace colony::raylet
