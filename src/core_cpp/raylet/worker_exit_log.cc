#include "raylet/worker_exit_log.h"

#include <algorithm>

namespace colony::raylet {

void WorkerExitLog::Fill(const WorkerExit& exit, rpc::GetWorkerFailureCauseReply* reply) {
  reply->set_found(true);
  reply->set_reason(exit.reason);
  reply->set_out_of_memory(exit.out_of_memory);
  reply->set_intentional(exit.intentional);
}

void WorkerExitLog::Record(const WorkerExit& exit) {
  if (!exits_.count(exit.worker_id)) order_.push_back(exit.worker_id);
  exits_[exit.worker_id] = exit;
  while (order_.size() > capacity_) {
    exits_.erase(order_.front());
    order_.pop_front();
  }
  auto waiting = waiters_.find(exit.worker_id);
  if (waiting == waiters_.end()) return;
  std::vector<Waiter> waiters = std::move(waiting->second);
  waiters_.erase(waiting);
  for (Waiter& w : waiters) {
    Fill(exit, w.reply);
    w.send(Status::OK());
  }
}

void WorkerExitLog::HandleGetWorkerFailureCause(const rpc::GetWorkerFailureCauseRequest& request,
                                                rpc::GetWorkerFailureCauseReply* reply,
                                                rpc::SendReply send_reply) {
  if (!WorkerID::IsValidBinary(request.worker_id())) {
    send_reply(Status::InvalidArgument("worker_id must be " + std::to_string(WorkerID::kSize) +
                                       " bytes"));
    return;
  }
  WorkerID worker_id = WorkerID::FromBinary(request.worker_id());
  auto it = exits_.find(worker_id);
  if (it != exits_.end()) {
    Fill(it->second, reply);
    send_reply(Status::OK());
    return;
  }
  uint64_t id = next_waiter_id_++;
  waiters_[worker_id].push_back(Waiter{id, reply, std::move(send_reply)});
  loop_->PostDelayed([this, worker_id, id] { OnWaitTimeout(worker_id, id); }, wait_ms_);
}

void WorkerExitLog::OnWaitTimeout(const WorkerID& worker_id, uint64_t waiter_id) {
  auto waiting = waiters_.find(worker_id);
  if (waiting == waiters_.end()) return;
  auto& list = waiting->second;
  auto w = std::find_if(list.begin(), list.end(), [&](const Waiter& x) { return x.id == waiter_id; });
  if (w == list.end()) return;
  Waiter waiter = std::move(*w);
  list.erase(w);
  if (list.empty()) waiters_.erase(waiting);
  waiter.reply->set_found(false);  // alive, or exited too long ago to be remembered
  waiter.send(Status::OK());
}

void WorkerExitLog::Stop() {
  auto waiters = std::move(waiters_);
  waiters_.clear();
  for (auto& [worker_id, list] : waiters) {
    for (Waiter& w : list) {
      w.reply->set_found(false);
      w.send(Status::OK());
    }
  }
}

}  // namespace colony::raylet
