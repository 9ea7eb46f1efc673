// Constant-time token comparison and the same-user rule (SO_PEERCRED) of the local channel
// and the object store socket. The peer tests fork a child that becomes `nobody`, so they
// need root and are skipped otherwise.
#include <grp.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <fstream>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>

#include "common/id.h"
#include "common/security.h"
#include "object_store/plasma_store.h"
#include "rpc/grpc_util.h"
#include "rpc/local_rpc.h"

namespace colony {
namespace {

constexpr uid_t kNobody = 65534;

TEST(ConstantTimeEqualsTest, ComparesWholeValues) {
  EXPECT_TRUE(ConstantTimeEquals("", ""));
  EXPECT_TRUE(ConstantTimeEquals("0123456789abcdef", "0123456789abcdef"));
  EXPECT_FALSE(ConstantTimeEquals("0123456789abcdef", "x123456789abcdef"));  // first byte
  EXPECT_FALSE(ConstantTimeEquals("0123456789abcdef", "0123456789abcdex"));  // last byte
  EXPECT_FALSE(ConstantTimeEquals("0123456789abcdef", "0123456789abcde"));   // prefix
  EXPECT_FALSE(ConstantTimeEquals("0123456789abcdef", "0123456789abcdef0"));  // longer
  EXPECT_FALSE(ConstantTimeEquals("secret", ""));
  EXPECT_FALSE(ConstantTimeEquals("", "secret"));
  // Bytes past a NUL still count.
  EXPECT_FALSE(ConstantTimeEquals(std::string_view("ab\0c", 4), std::string_view("ab\0d", 4)));
  EXPECT_TRUE(ConstantTimeEquals(std::string_view("ab\0c", 4), std::string_view("ab\0c", 4)));
}

// Runs `body` in a forked child as uid/gid `nobody`; returns its exit code (90: could not
// drop privileges). The child only makes system calls.
int RunAsNobody(const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid == 0) {
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(90);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 100 + WTERMSIG(status);
}

socklen_t AbstractAddress(const std::string& name, sockaddr_un* addr) {
  std::memset(addr, 0, sizeof(*addr));
  addr->sun_family = AF_UNIX;
  std::string full = "colony-" + name;
  std::memcpy(addr->sun_path + 1, full.data(), full.size());
  return static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + 1 + full.size());
}

// In the child: 0 if the server closed the connection, 1 if it could not connect at all,
// 2 if the server kept it open (nothing arrived within 30 s).
int ExpectClosedByServer(int fd, const std::string& first_bytes) {
  timeval timeout{30, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  (void)!send(fd, first_bytes.data(), first_bytes.size(), MSG_NOSIGNAL);
  char buffer[64];
  ssize_t n = recv(fd, buffer, sizeof(buffer), 0);
  if (n == 0 || (n < 0 && errno == ECONNRESET)) return 0;
  return 2;
}

class PeerCredTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root to run a peer as another user";
  }
};

TEST_F(PeerCredTest, LocalRpcServerDropsAPeerOfAnotherUser) {
  const std::string token = "the-secret-token-0123";
  std::string name = "test-" + WorkerID::FromRandom().Hex();
  rpc::LocalRpc server(token);
  ASSERT_TRUE(server.Start().ok());
  bool handled = false;
  server.Handle(rpc::LocalMethod::kPushTask,
                [&handled](std::string_view, rpc::LocalResponder) { handled = true; });
  ASSERT_TRUE(server.Listen(name).ok());

  // The hello frame with the right token: only the uid check can refuse it.
  std::string hello(16 + token.size(), '\0');
  uint32_t size = static_cast<uint32_t>(token.size());
  std::memcpy(hello.data(), &size, sizeof(size));
  std::memcpy(hello.data() + 16, token.data(), token.size());
  testing::internal::CaptureStderr();
  int code = RunAsNobody([&]() {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr;
    socklen_t len = AbstractAddress(name, &addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0) return 1;
    return ExpectClosedByServer(fd, hello);
  });
  server.Shutdown();
  std::string log = testing::internal::GetCapturedStderr();
  EXPECT_EQ(code, 0);
  EXPECT_FALSE(handled);
  EXPECT_NE(log.find("refused a connection from uid 65534"), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos) << "the token was logged: " << log;
}

TEST_F(PeerCredTest, LocalRpcClientDoesNotTalkToAServerOfAnotherUser) {
  std::string name = "test-" + WorkerID::FromRandom().Hex();
  int ready[2], done[2];
  ASSERT_EQ(pipe(ready), 0);
  ASSERT_EQ(pipe(done), 0);
  pid_t pid = fork();
  if (pid == 0) {  // a listener of another user at the name a worker would use
    if (setgroups(0, nullptr) != 0 || setgid(kNobody) != 0 || setuid(kNobody) != 0) _exit(90);
    close(ready[0]);
    close(done[1]);
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr;
    socklen_t len = AbstractAddress(name, &addr);
    if (bind(fd, reinterpret_cast<sockaddr*>(&addr), len) != 0 || listen(fd, 8) != 0) _exit(1);
    (void)!write(ready[1], "r", 1);
    char c;
    (void)!read(done[0], &c, 1);  // until the parent is done
    _exit(0);
  }
  close(ready[1]);
  close(done[0]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1) << "the listener did not start";
  rpc::LocalRpc client_side("token");
  ASSERT_TRUE(client_side.Start().ok());
  EXPECT_EQ(client_side.Connect(name), nullptr);
  close(done[1]);
  close(ready[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
}

TEST_F(PeerCredTest, ObjectStoreDropsAPeerOfAnotherUser) {
  char dir_template[] = "/tmp/colony-peercred-XXXXXX";
  ASSERT_NE(mkdtemp(dir_template), nullptr);
  std::string dir = dir_template;
  plasma::PlasmaStoreOptions options;
  options.socket_path = dir + "/plasma.sock";
  options.capacity_bytes = 1 << 20;
  auto store = std::make_unique<plasma::PlasmaStore>(std::move(options));
  ASSERT_TRUE(store->Start().ok());
  // Open the file permissions wide, so that only the uid check stands in the way.
  chmod(dir.c_str(), 0755);
  chmod(store->socket_path().c_str(), 0777);
  std::string path = store->socket_path();
  int code = RunAsNobody([&]() {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) return 1;
    return ExpectClosedByServer(fd, std::string());  // nothing: a same-user peer would wait
  });
  EXPECT_EQ(code, 0);
  store.reset();
  std::filesystem::remove_all(dir);
}

// TLS settings come from the environment and are re-read when it changes; a server that
// cannot serve TLS fails to start with a message naming what is missing.
TEST(TlsSettingsTest, FollowTheEnvironmentAndAServerNeedsACertificate) {
  std::string ca = "/tmp/colony-tls-test-ca-" + std::to_string(getpid()) + ".pem";
  std::ofstream(ca) << "-----BEGIN CERTIFICATE-----\n";
  unsetenv("COLONY_TLS_CERT");
  unsetenv("COLONY_TLS_KEY");
  setenv("COLONY_TLS_CA", ca.c_str(), 1);
  auto tls = rpc::CurrentTls();
  EXPECT_TRUE(tls->enabled);
  EXPECT_TRUE(tls->error.empty()) << tls->error;
  {
    rpc::GrpcServer server("tls-test", "127.0.0.1", 0);
    Status status = server.Start();
    EXPECT_FALSE(status.ok());
    EXPECT_NE(status.message().find("COLONY_TLS_CERT"), std::string::npos) << status.ToString();
  }
  setenv("COLONY_TLS_CERT", "/nonexistent/cert.pem", 1);
  setenv("COLONY_TLS_KEY", ca.c_str(), 1);
  EXPECT_NE(rpc::CurrentTls()->error.find("/nonexistent/cert.pem"), std::string::npos);
  {
    rpc::GrpcServer server("tls-test", "127.0.0.1", 0);
    EXPECT_FALSE(server.Start().ok());
  }
  unsetenv("COLONY_TLS_CA");
  unsetenv("COLONY_TLS_CERT");
  unsetenv("COLONY_TLS_KEY");
  EXPECT_FALSE(rpc::CurrentTls()->enabled);
  std::remove(ca.c_str());
}

}  // namespace
}  // namespace colony
