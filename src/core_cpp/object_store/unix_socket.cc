#include "object_store/unix_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace colony::plasma {
namespace {

Status ErrnoStatus(const std::string& what) {
  return Status::IOError(what + ": " + std::strerror(errno));
}

StatusOr<sockaddr_un> AddressOf(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty() || path.size() >= sizeof(addr.sun_path)) {
    return Status::InvalidArgument("unix socket path must have 1.." +
                                   std::to_string(sizeof(addr.sun_path) - 1) +
                                   " characters: " + path);
  }
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  return addr;
}

}  // namespace

StatusOr<UniqueFd> ListenUnix(const std::string& path) {
  auto addr = AddressOf(path);
  if (!addr.ok()) return addr.status();
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoStatus("socket");
  unlink(path.c_str());
  if (bind(fd.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof(sockaddr_un)) != 0) {
    return ErrnoStatus("bind " + path);
  }
  if (listen(fd.get(), 128) != 0) return ErrnoStatus("listen " + path);
  return fd;
}

StatusOr<UniqueFd> ConnectUnix(const std::string& path) {
  auto addr = AddressOf(path);
  if (!addr.ok()) return addr.status();
  UniqueFd fd(socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) return ErrnoStatus("socket");
  if (connect(fd.get(), reinterpret_cast<sockaddr*>(&*addr), sizeof(sockaddr_un)) != 0) {
    return ErrnoStatus("connect " + path);
  }
  return fd;
}

StatusOr<UniqueFd> AcceptUnix(int listen_fd) {
  int fd = accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd >= 0) return UniqueFd(fd);
  if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) {
    return UniqueFd();
  }
  return ErrnoStatus("accept");
}

Status SendAll(int sock, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = send(sock, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ErrnoStatus("send to object store");
    data += n;
    size -= static_cast<size_t>(n);
  }
  return Status::OK();
}

StatusOr<size_t> SendWithFd(int sock, const char* data, size_t size, int fd_to_pass) {
  iovec iov{const_cast<char*>(data), size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  std::memcpy(CMSG_DATA(cmsg), &fd_to_pass, sizeof(int));
  while (true) {
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n >= 0) return static_cast<size_t>(n);
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return size_t{0};
    return ErrnoStatus("sendmsg with fd");
  }
}

StatusOr<size_t> RecvWithFd(int sock, char* data, size_t size, UniqueFd* received_fd) {
  iovec iov{data, size};
  alignas(cmsghdr) char control[CMSG_SPACE(sizeof(int))] = {};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof(control);
  ssize_t n;
  do {
    n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  if (n < 0) return ErrnoStatus("recvmsg from object store");
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) {
      int fd;
      std::memcpy(&fd, CMSG_DATA(c), sizeof(int));
      received_fd->Reset(fd);
    }
  }
  return static_cast<size_t>(n);
}

}  // namespace colony::plasma
