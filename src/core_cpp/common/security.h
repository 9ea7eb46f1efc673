// Small security helpers: comparing secrets in constant time and checking who is at the
// other end of a local (Unix) socket.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <string_view>

namespace colony {

// True if `given` equals `expected`. The time taken depends only on the lengths, never on
// where the first differing byte is, so a caller probing a token learns nothing from timing.
bool ConstantTimeEquals(std::string_view expected, std::string_view given);

// True if the peer of the Unix socket `fd` runs as this process's effective uid. On false,
// logs one warning per `warned` flag (the first foreign peer only) naming `server`, the
// peer's uid and pid, and nothing else.
bool PeerIsSameUser(int fd, const char* server, std::atomic<bool>* warned);

}  // namespace colony
