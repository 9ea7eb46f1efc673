#include "rpc/head_addresses.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <sys/socket.h>

#include <charconv>

namespace colony::rpc {
namespace {

StatusOr<std::string> ResolveIpv4(const std::string& host) {
  in_addr literal{};
  if (inet_pton(AF_INET, host.c_str(), &literal) == 1) return host;
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  int rc = getaddrinfo(host.c_str(), nullptr, &hints, &found);
  if (rc != 0 || found == nullptr) {
    return Status::InvalidArgument("cannot resolve head '" + host + "': " + gai_strerror(rc));
  }
  char text[INET_ADDRSTRLEN] = {};
  inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(found->ai_addr)->sin_addr, text,
            sizeof(text));
  freeaddrinfo(found);
  return std::string(text);
}

}  // namespace

StatusOr<std::vector<std::string>> SplitHeadAddresses(const std::string& addresses) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t comma = addresses.find(',', start);
    std::string entry = addresses.substr(start, comma == std::string::npos ? std::string::npos
                                                                          : comma - start);
    auto colon = entry.rfind(':');
    int port = 0;
    bool port_ok = false;
    if (colon != std::string::npos && colon > 0) {
      const char* begin = entry.data() + colon + 1;
      const char* end = entry.data() + entry.size();
      auto [ptr, ec] = std::from_chars(begin, end, port);
      port_ok = begin != end && ec == std::errc() && ptr == end && port >= 1 && port <= 65535;
    }
    if (!port_ok) {
      return Status::InvalidArgument("invalid head address '" + entry + "' in '" + addresses +
                                     "' (expected HOST:PORT[,HOST:PORT...])");
    }
    out.push_back(entry);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

StatusOr<std::string> ChannelTarget(const std::string& address) {
  if (address.find(',') == std::string::npos) return address;
  auto entries = SplitHeadAddresses(address);
  if (!entries.ok()) return entries.status();
  std::string target = "ipv4:";
  for (size_t i = 0; i < entries->size(); i++) {
    const std::string& entry = (*entries)[i];
    auto colon = entry.rfind(':');
    auto ip = ResolveIpv4(entry.substr(0, colon));
    if (!ip.ok()) return ip.status();
    if (i > 0) target += ",";
    target += *ip + entry.substr(colon);
  }
  return target;
}

}  // namespace colony::rpc
