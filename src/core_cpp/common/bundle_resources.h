// Placement-group bundles as plain resources (as Ray does), so the lease manager and the
// scheduling policy never learn about groups. A committed bundle i of group G on a node
// adds, for each resource R it reserved:
//   R_group_<G hex>_<i>   the bundle's own share      (work pinned to bundle i)
//   R_group_<G hex>       summed over G's bundles here (work in any bundle of G)
// plus bundle_group_<G>_<i> and bundle_group_<G> (kBundleMarkerUnits each), which work
// asks a sliver of, so that even a task asking for nothing lands in the bundle's node.
#pragma once

#include <map>
#include <string>

#include "common/resources.h"

namespace colony {

inline constexpr double kBundleMarkerUnits = 1000;
inline constexpr double kBundleMarkerRequest = 0.001;
inline constexpr const char* kBundleMarker = "bundle";

// The resource names a bundle's resources go under on its node.
inline std::string BundleResourceName(const std::string& resource, const std::string& pg_hex,
                                      int bundle_index) {
  return resource + "_group_" + pg_hex + "_" + std::to_string(bundle_index);
}
inline std::string WildcardResourceName(const std::string& resource, const std::string& pg_hex) {
  return resource + "_group_" + pg_hex;
}

// What a committed bundle adds to its node's totals.
inline ResourceSet CommittedBundleResources(const std::map<std::string, double>& reserved,
                                   const std::string& pg_hex, int bundle_index) {
  ResourceSet out;
  for (const auto& [name, amount] : reserved) {
    out.Set(BundleResourceName(name, pg_hex, bundle_index), amount);
    out.Set(WildcardResourceName(name, pg_hex), amount);
  }
  out.Set(BundleResourceName(kBundleMarker, pg_hex, bundle_index), kBundleMarkerUnits);
  out.Set(WildcardResourceName(kBundleMarker, pg_hex), kBundleMarkerUnits);
  return out;
}

// A demand rewritten to run in bundle `bundle_index` of the group (-1: any of its bundles).
inline std::map<std::string, double> DemandInBundle(const std::map<std::string, double>& demand,
                                                    const std::string& pg_hex, int bundle_index) {
  std::map<std::string, double> out;
  auto name = [&](const std::string& resource) {
    return bundle_index < 0 ? WildcardResourceName(resource, pg_hex)
                            : BundleResourceName(resource, pg_hex, bundle_index);
  };
  for (const auto& [resource, amount] : demand) {
    if (amount > 0) out[name(resource)] = amount;
  }
  out[name(kBundleMarker)] = kBundleMarkerRequest;
  return out;
}

}  // namespace colony
