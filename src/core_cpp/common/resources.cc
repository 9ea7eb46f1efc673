#include "common/resources.h"

#include <cmath>
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

void ResourceSet::Set(const std::string& name, double amount) {
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
  for (const auto& [name, units] : other.units_) SetUnits(name, GetUnits(name) + units);
  return *this;
}

ResourceSet& ResourceSet::operator-=(const ResourceSet& other) {
  for (const auto& [name, units] : other.units_) SetUnits(name, GetUnits(name) - units);
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
