// Resource quantities in fixed point (1/10000 of a unit), so that fractional requests such
// as 0.1 CPU add and subtract exactly.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "common/status.h"

namespace colony {

// The largest quantity of one resource (memory counts in bytes: this is over 800 TiB).
// Larger amounts, from a peer's message, are clamped so the fixed-point arithmetic cannot
// overflow; handlers reject them first (ValidateResourceAmount).
inline constexpr double kMaxResourceAmount = 9e14;

// InvalidArgument naming `field` and the resource unless `amount` is finite, within
// kMaxResourceAmount and (unless `allow_negative`: a node's available figures may be
// over-committed) not negative.
Status ValidateResourceAmount(const std::string& field, const std::string& name, double amount,
                              bool allow_negative = false);

class ResourceSet {
 public:
  static constexpr int64_t kUnit = 10000;

  ResourceSet() = default;
  // Zero quantities are dropped; negative ones are kept (a borrowed, over-committed pool).
  static ResourceSet FromMap(const std::map<std::string, double>& amounts);
  std::map<std::string, double> ToMap() const;

  double Get(const std::string& name) const;
  int64_t GetUnits(const std::string& name) const;
  // NaN counts as 0; amounts beyond kMaxResourceAmount as kMaxResourceAmount.
  void Set(const std::string& name, double amount);
  bool Empty() const { return units_.empty(); }

  // True if every quantity in `request` is available here.
  bool Contains(const ResourceSet& request) const;
  // Both saturate at the int64 range of units rather than overflow.
  ResourceSet& operator+=(const ResourceSet& other);
  ResourceSet& operator-=(const ResourceSet& other);
  bool operator==(const ResourceSet& other) const { return units_ == other.units_; }

  // Names the first resource in `request` that this set cannot cover, e.g. "CPU: 4 > 2".
  std::string DescribeShortfall(const ResourceSet& request) const;
  std::string ToString() const;

 private:
  void SetUnits(const std::string& name, int64_t units);
  std::map<std::string, int64_t> units_;
};

}  // namespace colony
