#include "raylet/resource_usage.h"

#include <unistd.h>

#include <fstream>
#include <sstream>
#include <string>

namespace colony::raylet {

std::optional<ProcSource::Process> ProcfsSource::ReadProcess(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string stat;
  if (!in || !std::getline(in, stat)) return std::nullopt;
  // The command name (field 2) may hold spaces and parentheses: fields count from the last ')'.
  size_t close = stat.rfind(')');
  if (close == std::string::npos) return std::nullopt;
  std::istringstream fields(stat.substr(close + 2));
  std::string field;
  Process p;
  // From field 3 (state): utime and stime are fields 14 and 15, rss (pages) field 24.
  for (int i = 3; i <= 24 && fields >> field; i++) {
    if (i == 14 || i == 15) p.cpu_ticks += std::stoull(field);
    if (i == 24) p.rss_bytes = std::stoll(field) * sysconf(_SC_PAGESIZE);
  }
  return p;
}

std::optional<ProcSource::Memory> ProcfsSource::ReadMemory() {
  std::ifstream in("/proc/meminfo");
  std::string key;
  int64_t kb = 0;
  std::string unit;
  Memory m;
  while (in >> key >> kb) {
    std::getline(in, unit);
    if (key == "MemTotal:") m.total_bytes = kb * 1024;
    if (key == "MemAvailable:") m.available_bytes = kb * 1024;
  }
  if (m.total_bytes <= 0) return std::nullopt;
  return m;
}

double ProcfsSource::TicksPerSecond() const { return static_cast<double>(sysconf(_SC_CLK_TCK)); }

rpc::ResourceUsage ResourceUsageSampler::Sample(int64_t now_ms) {
  rpc::ResourceUsage usage;
  int64_t rss = 0;
  std::unordered_map<pid_t, uint64_t> ticks;
  for (pid_t pid : pids_()) {
    auto p = source_->ReadProcess(pid);
    if (!p) continue;
    rss += p->rss_bytes;
    ticks[pid] = p->cpu_ticks;
  }
  usage.set_memory_bytes(rss);
  if (auto mem = source_->ReadMemory(); mem && mem->total_bytes > 0) {
    usage.set_memory_pressure(1.0 - static_cast<double>(mem->available_bytes) /
                                        static_cast<double>(mem->total_bytes));
  }
  usage.set_cpu(latest_.cpu());
  if (window_start_ms_ < 0 || now_ms - window_start_ms_ >= kMinCpuWindowMs) {
    if (window_start_ms_ >= 0) {
      uint64_t busy = 0;
      for (const auto& [pid, t] : ticks) {
        auto before = ticks_.find(pid);
        if (before != ticks_.end() && t >= before->second) busy += t - before->second;
      }
      double seconds = static_cast<double>(now_ms - window_start_ms_) / 1000.0;
      usage.set_cpu(static_cast<double>(busy) / source_->TicksPerSecond() / seconds);
    }
    ticks_ = std::move(ticks);
    window_start_ms_ = now_ms;
  }
  latest_ = usage;
  return usage;
}

}  // namespace colony::raylet
