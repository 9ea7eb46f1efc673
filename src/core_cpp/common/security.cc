#include "common/security.h"

#include <sys/socket.h>
#include <unistd.h>

#include "common/logging.h"

namespace colony {

bool ConstantTimeEquals(std::string_view expected, std::string_view given) {
  // A volatile accumulator keeps the compiler from turning the loop into an early exit.
  volatile unsigned char diff = expected.size() == given.size() ? 0 : 1;
  const size_t n = expected.size();
  for (size_t i = 0; i < n; i++) {
    unsigned char g = i < given.size() ? static_cast<unsigned char>(given[i]) : 0;
    diff = diff | (static_cast<unsigned char>(expected[i]) ^ g);
  }
  return diff == 0;
}

bool PeerIsSameUser(int fd, const char* server, std::atomic<bool>* warned) {
  ucred cred{};
  socklen_t len = sizeof(cred);
  bool known = getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) == 0 && len == sizeof(cred);
  if (known && cred.uid == geteuid()) return true;
  if (warned != nullptr && !warned->exchange(true)) {
    if (known) {
      COLONY_LOG(WARNING) << server << ": refused a connection from uid " << cred.uid << " (pid "
                          << cred.pid << "); only uid " << geteuid()
                          << " may connect (further refusals are not logged)";
    } else {
      COLONY_LOG(WARNING) << server << ": refused a connection whose peer is unknown "
                          << "(further refusals are not logged)";
    }
  }
  return false;
}

}  // namespace colony
