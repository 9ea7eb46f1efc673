#include "common/resources.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <sstream>

namespace colony {

ResourceSet ResourceSet::FromMap(const std::map<std::string, double>& amounts) {
  ResourceSet set;
  for (const auto& [name, amount] : amounts) set.Set(name, amount);
  return set;
}

std::map<std::string, double> ResourceSet::ToMap() const {
  std::map<std::string, double> out;
  for (const auto& [name, units] : units_) out[name] = static_cast<double>(units) / kUnit;
  return out;
}

double ResourceSet::Get(const std::string& name) const {
  return static_cast<double>(GetUnits(name)) / kUnit;
}

int64_t ResourceSet::GetUnits(const std::string& name) const {
  auto it = units_.find(name);
  return it == units_.end() ? 0 : it->second;
}

namespace {

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t sum;
  if (!__builtin_add_overflow(a, b, &sum)) return sum;
  return b > 0 ? INT64_MAX : INT64_MIN;
}

int64_t SaturatingSub(int64_t a, int64_t b) {
  int64_t diff;
  if (!__builtin_sub_overflow(a, b, &diff)) return diff;
  return b < 0 ? INT64_MAX : INT64_MIN;
}

}  // namespace

Status ValidateResourceAmount(const std::string& field, const std::string& name, double amount,
                              bool allow_negative) {
  if (!std::isfinite(amount) || std::fabs(amount) > kMaxResourceAmount ||
      (!allow_negative && amount < 0)) {
    std::ostringstream out;
    out << field << "[\"" << name << "\"] = " << amount << ": must be a finite amount "
        << (allow_negative ? "within +-" : "in 0..") << kMaxResourceAmount;
    return Status::InvalidArgument(out.str());
  }
  return Status::OK();
}

void ResourceSet::Set(const std::string& name, double amount) {
  if (std::isnan(amount)) amount = 0;
  amount = std::max(-kMaxResourceAmount, std::min(kMaxResourceAmount, amount));
  SetUnits(name, static_cast<int64_t>(std::llround(amount * kUnit)));
}

void ResourceSet::SetUnits(const std::string& name, int64_t units) {
  if (units == 0) {
    units_.erase(name);
  } else {
    units_[name] = units;
  }
}

bool ResourceSet::Contains(const ResourceSet& request) const {
  for (const auto& [name, units] : request.units_) {
    if (units > 0 && GetUnits(name) < units) return false;
  }
  return true;
}

ResourceSet& ResourceSet::operator+=(const ResourceSet& other) {
  for (const auto& [name, units] : other.units_) SetUnits(name, SaturatingAdd(GetUnits(name), units));
  return *this;
}

ResourceSet& ResourceSet::operator-=(const ResourceSet& other) {
  for (const auto& [name, units] : other.units_) SetUnits(name, SaturatingSub(GetUnits(name), units));
  return *this;
}

std::string ResourceSet::DescribeShortfall(const ResourceSet& request) const {
  for (const auto& [name, units] : request.units_) {
    if (units > 0 && GetUnits(name) < units) {
      std::ostringstream out;
      out << name << ": requested " << static_cast<double>(units) / kUnit << ", have "
          << Get(name);
      return out.str();
    }
  }
  return "";
}

std::string ResourceSet::ToString() const {
  std::ostringstream out;
  out << "{";
  bool first = true;
  for (const auto& [name, units] : units_) {
    if (!first) out << ", ";
    first = false;
    out << name << ": " << static_cast<double>(units) / kUnit;
  }
  out << "}";
  return out.str();
}

}  // namespace colony
