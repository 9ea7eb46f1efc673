// Thin wrappers over AF_UNIX stream sockets, including fd passing (SCM_RIGHTS).
#pragma once

#include <cstddef>
#include <string>

#include "common/status.h"
#include "object_store/unique_fd.h"

namespace colony::plasma {

// Binds and listens at `path` (a stale socket file there is replaced). Non-blocking.
StatusOr<UniqueFd> ListenUnix(const std::string& path);
// A blocking connection to the socket at `path`.
StatusOr<UniqueFd> ConnectUnix(const std::string& path);
// Accepts one pending connection as a non-blocking fd; an invalid fd if none is pending.
StatusOr<UniqueFd> AcceptUnix(int listen_fd);

// Writes all of `data` to a blocking socket.
Status SendAll(int sock, const char* data, size_t size);
// One sendmsg of `data` with `fd_to_pass` attached; returns the bytes sent (0 if it would block).
StatusOr<size_t> SendWithFd(int sock, const char* data, size_t size, int fd_to_pass);
// One blocking recvmsg; an attached fd, if any, is stored in `received_fd`. 0 bytes = EOF.
StatusOr<size_t> RecvWithFd(int sock, char* data, size_t size, UniqueFd* received_fd);

}  // namespace colony::plasma
