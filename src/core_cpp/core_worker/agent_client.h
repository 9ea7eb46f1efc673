// Calls a per-node agent (the metrics agent, docs/observability.md) makes without being a
// driver: it has no core worker, only the cluster's addresses and token. Synchronous, one
// call per request; never on a task's path.
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"

namespace colony {

// A raylet's GetNodeStats reply as JSON (protobuf's JSON mapping, every field present, names
// in lowerCamelCase), so the Python side reads new fields without a binding change.
Status GetNodeStatsJson(const std::string& raylet_address, const std::string& token,
                        int64_t timeout_ms, std::string* json);

// GcsService.KvPut (overwriting): how an agent announces where it listens.
Status GcsKvPut(const std::string& gcs_address, const std::string& token, const std::string& ns,
                const std::string& key, const std::string& value, int64_t timeout_ms);

}  // namespace colony
