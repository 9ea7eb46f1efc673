// Reads of the GCS for the state API (docs/observability.md: `colony list`, `colony
// summary`, `colony timeline`, `colony why`, colony.util.state, io.colony.api.state).
// Synchronous, one call per request, with no core worker needed: a tool's path, never a
// task's. Requests and replies are protobuf messages of proto/gcs.proto, passed as bytes
// (Java parses them with its generated classes) or as JSON (Python, which has no
// generated classes; bytes fields are base64).
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace colony {

// The methods served: GetEvents, GetTaskAttempts, GetAllActorInfo (GcsEventService) and
// GetAllNodeInfo, GetAllJobInfo (GcsService).
const std::vector<std::string>& StateQueryMethods();

// InvalidArgument names an unknown method or a request that does not parse.
Status GcsStateCall(const std::string& gcs_address, const std::string& token,
                    const std::string& method, const std::string& request_bytes,
                    std::string* reply_bytes);
Status GcsStateCallJson(const std::string& gcs_address, const std::string& token,
                        const std::string& method, const std::string& request_json,
                        std::string* reply_json);

}  // namespace colony
