// The seam between the worker pool and whatever builds runtime envs on this node (the
// runtime-env agent, raylet/runtime_env_agent_client.*; fakes in unit tests).
#pragma once

#include <functional>
#include <string>

#include "common.pb.h"
#include "common/id.h"
#include "common/status.h"

namespace colony::raylet {

class RuntimeEnvProvider {
 public:
  using Callback = std::function<void(StatusOr<rpc::RuntimeEnvContext>)>;
  virtual ~RuntimeEnvProvider() = default;
  // Builds the env named `hash` (canonical JSON `json`), or finds it built, and calls
  // `done` on the raylet's event loop with how to start a worker in it, or with why it
  // cannot be built. Never calls `done` before returning.
  virtual void GetOrCreate(const JobID& job_id, const std::string& hash,
                           const std::string& json, Callback done) = 0;
};

}  // namespace colony::raylet
