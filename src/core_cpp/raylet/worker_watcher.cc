#include "raylet/worker_watcher.h"

#include "rpc/grpc_util.h"

namespace colony::raylet {

void WorkerWatcher::SetExitListener(ExitListener listener) {
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->listener = std::move(listener);
}

void WorkerWatcher::Watch(const rpc::Address& worker) {
  const std::string worker_id = worker.worker_id();
  if (!WorkerID::IsValidBinary(worker_id)) return;
  {
    std::lock_guard<std::mutex> lock(state_->mu);
    if (state_->stopped || !state_->watched.insert(worker_id).second) return;
  }
  auto* stub = workers_.Get(rpc::AddressToString(worker));
  rpc::CallUnary<rpc::WatchWorkerRequest, rpc::WatchWorkerReply>(
      token_, -1, rpc::WatchWorkerRequest{},
      [stub](auto* ctx, auto* req, auto* reply, auto done) {
        stub->async()->WatchWorker(ctx, req, reply, std::move(done));
      },
      [state = state_, worker_id](Status, rpc::WatchWorkerReply&&) { Fire(*state, worker_id); });
}

void WorkerWatcher::Fire(State& state, const std::string& worker_id) {
  std::lock_guard<std::mutex> firing(state.firing);
  ExitListener listener;
  {
    std::lock_guard<std::mutex> lock(state.mu);
    if (state.stopped) return;
    state.watched.erase(worker_id);
    listener = state.listener;
  }
  if (listener) listener(WorkerID::FromBinary(worker_id));
}

void WorkerWatcher::Stop() {
  std::lock_guard<std::mutex> firing(state_->firing);
  std::lock_guard<std::mutex> lock(state_->mu);
  state_->stopped = true;
}

}  // namespace colony::raylet
