// A GCS address may list several heads, "HOST:PORT,HOST:PORT", when a standby head waits
// to take over (docs/fault_tolerance.md "Standby head"): only the leader listens, so a
// channel over all of them (gRPC's pick_first over a static list) reaches whichever GCS
// serves and, when that one goes away, moves on to the next by itself. The GCS retry
// logic (rpc/gcs_retry.h) rides out the gap.
#pragma once

#include <string>
#include <vector>

#include "common/status.h"

namespace colony::rpc {

// The entries of a comma-separated address list; InvalidArgument naming the bad entry
// when one is not HOST:PORT with a port in 1-65535.
StatusOr<std::vector<std::string>> SplitHeadAddresses(const std::string& addresses);

// The gRPC target for `address`: a single HOST:PORT as it is; a list as
// "ipv4:IP:PORT,IP:PORT" with each host resolved to an IPv4 address (a static list needs
// literal IPs). InvalidArgument for a malformed list or a host that does not resolve.
StatusOr<std::string> ChannelTarget(const std::string& address);

}  // namespace colony::rpc
