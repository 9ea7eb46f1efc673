// CPU quota from num_cpus, shared by the v1 and v2 implementations.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace colony::raylet {

constexpr int64_t kCpuPeriodUs = 100000;  // 100 ms, the kernel's default period
constexpr int64_t kMinCpuQuotaUs = 1000;  // the kernel refuses quotas under 1 ms

// Microseconds of CPU per period for `cpus` CPUs; 0 means no quota (0 CPUs asked for).
inline int64_t CpuQuotaUs(double cpus) {
  if (!(cpus > 0)) return 0;
  return std::max(kMinCpuQuotaUs, static_cast<int64_t>(std::llround(cpus * kCpuPeriodUs)));
}

}  // namespace colony::raylet
