#include "gcs/gcs_event_manager.h"

#include <algorithm>

namespace colony::gcs {

GcsEventManager::GcsEventManager(GcsEventManagerOptions options) : options_(std::move(options)) {
  if (!options_.log_dir.empty()) log_ = std::make_unique<EventLogWriter>(options_.log_dir, "GCS");
  if (options_.max_events == 0) options_.max_events = 1;
  if (options_.max_task_attempts_per_job == 0) options_.max_task_attempts_per_job = 1;
}

int GcsEventManager::StateRank(const std::string& state) {
  if (state == "SUBMITTED") return 0;
  if (state == "PENDING_ARGS") return 1;
  if (state == "LEASED") return 2;
  if (state == "RUNNING") return 3;
  if (state == "EXECUTED") return 4;
  if (state == "FINISHED" || state == "FAILED") return 5;
  return -1;
}

std::string GcsEventManager::AttemptKey(const std::string& task_id, int attempt) {
  return task_id + ":" + std::to_string(attempt);
}

void GcsEventManager::Record(rpc::Event event) {
  if (event.time_us() == 0) event.set_time_us(NowMicros());
  if (event.source().empty()) event.set_source("GCS");
  if (log_) {
    std::string line = EventToJson(event);
    log_->WriteLines(&line, 1);
  }
  AddEvent(std::move(event));
}

void GcsEventManager::AddEvent(rpc::Event event) {
  events_.push_back(std::move(event));
  while (events_.size() > options_.max_events) {
    events_.pop_front();
    dropped_events_++;
  }
}

void GcsEventManager::AddTaskEvent(const rpc::TaskEvent& e) {
  JobTasks& job = tasks_[e.job_id()];
  std::string key = AttemptKey(e.task_id(), e.attempt());
  auto it = job.attempts.find(key);
  if (it == job.attempts.end()) {
    it = job.attempts.emplace(key, rpc::TaskAttempt()).first;
    job.order.push_back(key);
    rpc::TaskAttempt& a = it->second;
    a.set_task_id(e.task_id());
    a.set_attempt(e.attempt());
    a.set_job_id(e.job_id());
    a.set_state(e.state());
  }
  rpc::TaskAttempt& a = it->second;
  if (StateRank(e.state()) >= StateRank(a.state())) {
    // FAILED from the owner beats the executor's EXECUTED; a later FINISHED of the same
    // rank (a retried application error) replaces nothing it should not.
    if (!(a.state() == "FAILED" && e.state() == "FINISHED")) a.set_state(e.state());
  }
  auto& times = *a.mutable_state_times_us();
  if (!times.count(e.state())) times[e.state()] = e.time_us();
  if (!e.name().empty()) a.set_name(e.name());
  if (!e.type().empty()) a.set_type(e.type());
  if (!e.func().empty()) a.set_func(e.func());
  if (!e.actor_id().empty()) a.set_actor_id(e.actor_id());
  if (!e.parent_task_id().empty()) a.set_parent_task_id(e.parent_task_id());
  if (!e.node_id().empty()) a.set_node_id(e.node_id());
  if (!e.worker_id().empty()) a.set_worker_id(e.worker_id());
  if (e.pid() != 0) a.set_pid(e.pid());
  if (!e.error_type().empty()) a.set_error_type(e.error_type());
  if (!e.error_message().empty()) a.set_error_message(e.error_message());
  while (job.order.size() > options_.max_task_attempts_per_job) {
    job.attempts.erase(job.order.front());
    job.order.pop_front();
    job.dropped++;
  }
}

size_t GcsEventManager::num_task_attempts(const std::string& job_id) const {
  auto it = tasks_.find(job_id);
  return it == tasks_.end() ? 0 : it->second.attempts.size();
}

const rpc::TaskAttempt* GcsEventManager::FindAttempt(const std::string& task_id,
                                                     int attempt) const {
  std::string key = AttemptKey(task_id, attempt);
  for (const auto& [job_id, job] : tasks_) {
    auto it = job.attempts.find(key);
    if (it != job.attempts.end()) return &it->second;
  }
  return nullptr;
}

void GcsEventManager::HandleAddEvents(const rpc::AddEventsRequest& request,
                                      rpc::AddEventsReply*, rpc::SendReply send_reply) {
  // Senders wrote their own files; only the GCS's own events go to the GCS's file.
  for (const auto& event : request.events()) AddEvent(event);
  for (const auto& event : request.task_events()) AddTaskEvent(event);
  dropped_task_events_ += request.dropped_task_events();
  send_reply(Status::OK());
}

void GcsEventManager::HandleGetEvents(const rpc::GetEventsRequest& request,
                                      rpc::GetEventsReply* reply, rpc::SendReply send_reply) {
  std::vector<const rpc::Event*> matched;
  for (const auto& e : events_) {
    if (!request.kind().empty() && e.kind() != request.kind()) continue;
    if (!request.entity_id().empty() && e.entity_id() != request.entity_id()) continue;
    if (!request.job_id().empty() && e.job_id() != request.job_id()) continue;
    matched.push_back(&e);
  }
  size_t start = 0;
  if (request.limit() > 0 && matched.size() > static_cast<size_t>(request.limit())) {
    start = matched.size() - request.limit();
  }
  for (size_t i = start; i < matched.size(); i++) *reply->add_events() = *matched[i];
  reply->set_dropped(dropped_events_);
  send_reply(Status::OK());
}

void GcsEventManager::HandleGetTaskAttempts(const rpc::GetTaskAttemptsRequest& request,
                                            rpc::GetTaskAttemptsReply* reply,
                                            rpc::SendReply send_reply) {
  std::vector<const rpc::TaskAttempt*> matched;
  int64_t dropped = dropped_task_events_;
  for (const auto& [job_id, job] : tasks_) {
    if (!request.job_id().empty() && job_id != request.job_id()) continue;
    dropped += job.dropped;
    for (const auto& key : job.order) {
      const rpc::TaskAttempt& a = job.attempts.at(key);
      if (!request.task_id().empty() && a.task_id() != request.task_id()) continue;
      matched.push_back(&a);
    }
  }
  // Oldest first by first sighting, across jobs.
  auto first_seen = [](const rpc::TaskAttempt* a) {
    int64_t t = INT64_MAX;
    for (const auto& [state, time] : a->state_times_us()) t = std::min(t, time);
    return t;
  };
  std::stable_sort(matched.begin(), matched.end(),
                   [&](const rpc::TaskAttempt* x, const rpc::TaskAttempt* y) {
                     return first_seen(x) < first_seen(y);
                   });
  size_t start = 0;
  if (request.limit() > 0 && matched.size() > static_cast<size_t>(request.limit())) {
    start = matched.size() - request.limit();
  }
  for (size_t i = start; i < matched.size(); i++) *reply->add_attempts() = *matched[i];
  reply->set_dropped(dropped);
  send_reply(Status::OK());
}

}  // namespace colony::gcs
