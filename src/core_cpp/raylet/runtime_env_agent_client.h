// The raylet's side of its node's runtime-env agent (`python -m colony.runtime_env_agent`,
// colony/runtime_env_agent/): the agent builds and caches runtime envs by hash (unpacked
// working_dir and py_modules packages, pip virtualenvs, jars); the raylet asks it before
// starting a worker in an env and gets back how to start one (RuntimeEnvContext).
//
// The raylet starts the agent when the first env is asked for (most nodes never need
// one) and again if it died. They speak one JSON object a line over the agent's stdin and
// stdout (RuntimeEnvAgentRequest / RuntimeEnvAgentReply, raylet.proto); a reader thread
// posts replies onto the raylet's event loop. Packages named in an env (pkg://<sha256>)
// are fetched from the GCS KV into <resources dir>/packages/ first, since only the
// raylet talks to the GCS.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "common/event_loop.h"
#include "raylet.pb.h"
#include "raylet/runtime_env_provider.h"

namespace colony::raylet {

struct RuntimeEnvAgentOptions {
  std::string python_executable = "python3";
  std::string resources_dir;  // the agent's cache: <session>/runtime_resources/node_<id>
  std::string log_path;       // the agent's stdout is the protocol; stderr goes here
  std::vector<std::pair<std::string, std::string>> extra_env;  // e.g. PYTHONPATH
};

class RuntimeEnvAgentClient : public RuntimeEnvProvider {
 public:
  // Reads one package's bytes (GCS KV namespace "packages", key = its sha256 hex); calls
  // back on the event loop with the bytes, or NotFound if the cluster has no such package.
  using PackageFetcher =
      std::function<void(const std::string& digest, std::function<void(StatusOr<std::string>)>)>;

  RuntimeEnvAgentClient(RuntimeEnvAgentOptions options, EventLoop* loop, PackageFetcher fetch);
  // Ends the agent and its reader thread.
  ~RuntimeEnvAgentClient() override;

  void GetOrCreate(const JobID& job_id, const std::string& hash, const std::string& json,
                   Callback done) override;

  // The pkg://<sha256> digests a runtime env's JSON names.
  static std::vector<std::string> PackageDigests(const std::string& json);

 private:
  struct Request {
    std::string hash;
    std::string json;
    Callback done;
    int missing_packages = 0;
    std::string fetch_error;
    bool sent = false;  // written to the agent: lost if it dies
  };

  void FetchPackages(int64_t id);
  void Send(int64_t id);
  Status EnsureAgent();
  void ReadReplies(int fd);
  void OnReply(const std::string& line);
  void OnAgentExit(int64_t generation);
  std::string PackagePath(const std::string& digest) const;

  RuntimeEnvAgentOptions options_;
  EventLoop* loop_;
  PackageFetcher fetch_;
  // The cancellation flag the reader's posted handlers check: they may run after this
  // object is gone.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);

  std::map<int64_t, Request> requests_;  // by request id; sent or fetching packages
  int64_t next_id_ = 1;
  pid_t agent_pid_ = -1;
  int to_agent_ = -1;        // the agent's stdin
  int64_t generation_ = 0;   // which agent process replies belong to
  std::vector<std::thread> readers_;
};

}  // namespace colony::raylet
