// Learns when core workers anywhere in the cluster exit, so state this raylet holds on
// their behalf goes with them: copies of objects they own, worker leases they hold. One
// WatchWorker call per watched worker stays open until the worker exits; the worker answers
// it at a clean exit and the call fails when its process or node dies: both count as exit.
//
// Thread-safe. Listeners run on gRPC callback threads and must not block.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_set>

#include "common/id.h"
#include "core_worker.grpc.pb.h"
#include "core_worker/client_pool.h"

namespace colony::raylet {

class WorkerWatcher {
 public:
  using ExitListener = std::function<void(const WorkerID& worker_id)>;

  explicit WorkerWatcher(std::string token) : token_(std::move(token)) {}
  ~WorkerWatcher() { Stop(); }

  // Set before the first Watch.
  void SetExitListener(ExitListener listener);
  // Watches `worker` unless it is watched already (or has no valid worker id); the
  // listener hears of its exit once.
  void Watch(const rpc::Address& worker);
  // After this returns the listener does not run.
  void Stop();

 private:
  // Outlives this object: the watch calls end only with their workers.
  struct State {
    std::mutex mu;  // guards the members below
    bool stopped = false;
    std::unordered_set<std::string> watched;  // worker ids
    ExitListener listener;
    std::mutex firing;  // held while the listener runs, so Stop waits for it
  };
  static void Fire(State& state, const std::string& worker_id);

  const std::string token_;
  std::shared_ptr<State> state_ = std::make_shared<State>();
  ClientPool<rpc::CoreWorkerService> workers_;  // last: its channels go first
};

}  // namespace colony::raylet
