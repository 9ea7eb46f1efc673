#include "raylet/runtime_env_agent_client.h"

#include <fcntl.h>
#include <google/protobuf/util/json_util.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <regex>
#include <set>
#include <utility>

#include "common/filesystem.h"
#include "common/logging.h"

extern char** environ;

namespace colony::raylet {
namespace {

// Writes all of `data` to socket `fd`; false (errno set) if the reader is gone. A socket,
// not a pipe: MSG_NOSIGNAL spares the raylet a SIGPIPE when the agent has died.
bool WriteAll(int fd, const std::string& data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = send(fd, data.data() + done, data.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    done += static_cast<size_t>(n);
  }
  return true;
}

Status WriteFileAtomically(const std::string& path, const std::string& data) {
  std::string tmp = path + ".tmp-" + std::to_string(getpid());
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::IOError("cannot write " + tmp + ": " + std::strerror(errno));
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  ok = std::fclose(f) == 0 && ok;
  if (!ok || std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return Status::IOError("cannot write " + path + ": " + std::strerror(errno));
  }
  return Status::OK();
}

}  // namespace

RuntimeEnvAgentClient::RuntimeEnvAgentClient(RuntimeEnvAgentOptions options, EventLoop* loop,
                                             PackageFetcher fetch)
    : options_(std::move(options)), loop_(loop), fetch_(std::move(fetch)) {}

RuntimeEnvAgentClient::~RuntimeEnvAgentClient() {
  *alive_ = false;
  if (agent_pid_ > 0) kill(agent_pid_, SIGKILL);  // its stdout closes: the reader ends
  if (to_agent_ >= 0) close(to_agent_);
  for (auto& reader : readers_) {
    if (reader.joinable()) reader.join();
  }
}

std::vector<std::string> RuntimeEnvAgentClient::PackageDigests(const std::string& json) {
  static const std::regex kUri("pkg://([0-9a-f]{64})");
  std::set<std::string> digests;
  for (auto it = std::sregex_iterator(json.begin(), json.end(), kUri); it != std::sregex_iterator();
       ++it) {
    digests.insert((*it)[1].str());
  }
  return {digests.begin(), digests.end()};
}

std::string RuntimeEnvAgentClient::PackagePath(const std::string& digest) const {
  return options_.resources_dir + "/packages/" + digest + ".zip";
}

void RuntimeEnvAgentClient::GetOrCreate(const JobID& job_id, const std::string& hash,
                                        const std::string& json, Callback done) {
  int64_t id = next_id_++;
  Request& request = requests_[id];
  request.hash = hash;
  request.json = json;
  request.done = std::move(done);
  COLONY_LOG(INFO) << "building runtime env " << hash << " for job " << job_id.Hex();
  // Posted: the caller is told later even when everything fails at once.
  loop_->Post([this, alive = alive_, id] {
    if (*alive) FetchPackages(id);
  });
}

void RuntimeEnvAgentClient::FetchPackages(int64_t id) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  Status dirs = MakeDirs(options_.resources_dir + "/packages");
  if (!dirs.ok()) {
    Callback done = std::move(it->second.done);
    requests_.erase(it);
    done(Status::RuntimeEnvSetupFailed(dirs.message()));
    return;
  }
  std::vector<std::string> missing;
  for (const std::string& digest : PackageDigests(it->second.json)) {
    if (access(PackagePath(digest).c_str(), R_OK) != 0) missing.push_back(digest);
  }
  if (missing.empty()) {
    Send(id);
    return;
  }
  it->second.missing_packages = static_cast<int>(missing.size());
  for (const std::string& digest : missing) {
    fetch_(digest, [this, alive = alive_, id, digest](StatusOr<std::string> bytes) {
      if (!*alive) return;
      auto it = requests_.find(id);
      if (it == requests_.end()) return;
      Request& request = it->second;
      Status status = bytes.ok() ? WriteFileAtomically(PackagePath(digest), bytes.value())
                                 : bytes.status();
      if (!status.ok() && request.fetch_error.empty()) {
        request.fetch_error = "package pkg://" + digest + ": " + status.message();
      }
      if (--request.missing_packages > 0) return;
      if (request.fetch_error.empty()) {
        Send(id);
        return;
      }
      Callback done = std::move(request.done);
      std::string error = request.fetch_error;
      requests_.erase(it);
      done(Status::RuntimeEnvSetupFailed(error));
    });
  }
}

void RuntimeEnvAgentClient::Send(int64_t id) {
  auto it = requests_.find(id);
  if (it == requests_.end()) return;
  rpc::RuntimeEnvAgentRequest message;
  message.set_request_id(id);
  message.set_runtime_env_hash(it->second.hash);
  message.set_runtime_env_json(it->second.json);
  google::protobuf::util::JsonPrintOptions print;
  print.preserve_proto_field_names = true;
  std::string line;
  auto converted = google::protobuf::util::MessageToJsonString(message, &line, print);
  Status status = converted.ok() ? EnsureAgent()
                                 : Status::Internal("cannot encode a runtime-env request");
  if (status.ok() && !WriteAll(to_agent_, line + "\n")) {
    status = Status::Unavailable(std::string("cannot write to the runtime-env agent: ") +
                                 std::strerror(errno) + "; see " + options_.log_path);
  }
  if (!status.ok()) {
    Callback done = std::move(it->second.done);
    requests_.erase(it);
    done(Status::RuntimeEnvSetupFailed(status.message()));
    return;
  }
  it->second.sent = true;
}

Status RuntimeEnvAgentClient::EnsureAgent() {
  if (agent_pid_ > 0 && to_agent_ >= 0) return Status::OK();
  int in_pipe[2], out_pipe[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, in_pipe) != 0) {
    return Status::IOError(std::strerror(errno));
  }
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    close(in_pipe[0]);
    close(in_pipe[1]);
    return Status::IOError(std::strerror(errno));
  }
  int log_fd = open(options_.log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  // Everything the child needs is built before fork (only async-signal-safe calls after).
  std::vector<std::string> args = {options_.python_executable, "-m", "colony.runtime_env_agent",
                                   "--resources-dir", options_.resources_dir};
  std::map<std::string, std::string> vars;
  for (char** e = environ; *e != nullptr; ++e) {
    const char* eq = std::strchr(*e, '=');
    if (eq != nullptr) vars[std::string(*e, eq - *e)] = eq + 1;
  }
  for (const auto& [name, value] : options_.extra_env) vars[name] = value;
  vars["PYTHONUNBUFFERED"] = "1";
  std::vector<std::string> env;
  for (const auto& [name, value] : vars) env.push_back(name + "=" + value);
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    prctl(PR_SET_PDEATHSIG, SIGKILL);  // no agent outlives its raylet
    if (getppid() != parent) _exit(1);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    if (log_fd >= 0) dup2(log_fd, 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  int fork_errno = errno;
  close(in_pipe[0]);
  close(out_pipe[1]);
  if (log_fd >= 0) close(log_fd);
  if (pid < 0) {
    close(in_pipe[1]);
    close(out_pipe[0]);
    return Status::IOError(std::string("cannot start the runtime-env agent: ") +
                           std::strerror(fork_errno));
  }
  agent_pid_ = pid;
  to_agent_ = in_pipe[1];
  int64_t generation = ++generation_;
  COLONY_LOG(INFO) << "started the runtime-env agent, pid " << pid << ", log " << options_.log_path;
  int from_agent = out_pipe[0];
  readers_.emplace_back([this, alive = alive_, from_agent, generation] {
    std::string buffer;
    char chunk[65536];
    while (true) {
      ssize_t n = read(from_agent, chunk, sizeof(chunk));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      buffer.append(chunk, static_cast<size_t>(n));
      size_t newline;
      while ((newline = buffer.find('\n')) != std::string::npos) {
        std::string line = buffer.substr(0, newline);
        buffer.erase(0, newline + 1);
        loop_->Post([this, alive, line = std::move(line)] {
          if (*alive) OnReply(line);
        });
      }
    }
    close(from_agent);
    loop_->Post([this, alive, generation] {
      if (*alive) OnAgentExit(generation);
    });
  });
  return Status::OK();
}

void RuntimeEnvAgentClient::OnReply(const std::string& line) {
  rpc::RuntimeEnvAgentReply reply;
  google::protobuf::util::JsonParseOptions parse;
  parse.ignore_unknown_fields = true;
  if (!google::protobuf::util::JsonStringToMessage(line, &reply, parse).ok()) {
    COLONY_LOG(WARNING) << "the runtime-env agent wrote a line that is not a reply: " << line;
    return;
  }
  auto it = requests_.find(reply.request_id());
  if (it == requests_.end()) return;
  Callback done = std::move(it->second.done);
  requests_.erase(it);
  if (reply.ok()) {
    done(std::move(*reply.mutable_context()));
  } else {
    done(Status::RuntimeEnvSetupFailed(reply.error()));
  }
}

void RuntimeEnvAgentClient::OnAgentExit(int64_t generation) {
  if (generation != generation_) return;
  COLONY_LOG(WARNING) << "the runtime-env agent (pid " << agent_pid_ << ") exited; see "
                      << options_.log_path;
  agent_pid_ = -1;
  if (to_agent_ >= 0) close(to_agent_);
  to_agent_ = -1;
  // Requests it had been sent are lost with it; those not sent yet go to the next agent.
  std::vector<int64_t> sent;
  for (const auto& [id, request] : requests_) {
    if (request.sent) sent.push_back(id);
  }
  for (int64_t id : sent) {
    Callback done = std::move(requests_[id].done);
    requests_.erase(id);
    done(Status::RuntimeEnvSetupFailed("the runtime-env agent exited while building the env; "
                                       "see " + options_.log_path));
  }
}

}  // namespace colony::raylet
