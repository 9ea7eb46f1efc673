#include "core_worker/task_event_buffer.h"

#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "common/logging.h"

namespace colony {

namespace {
// module.qualname (Python) or Class.method (Java).
std::string FunctionName(const rpc::FunctionDescriptor& fn) {
  if (fn.has_python()) {
    const auto& py = fn.python();
    return py.module_name().empty() ? py.qualname() : py.module_name() + "." + py.qualname();
  }
  if (fn.has_java()) return fn.java().class_name() + "." + fn.java().method_name();
  return "";
}
}  // namespace

TaskEventBufferOptions TaskEventBufferOptions::FromEnv() {
  TaskEventBufferOptions options;
  if (const char* on = std::getenv("COLONY_TASK_EVENTS")) {
    std::string v(on);
    options.enabled = !(v == "0" || v == "false" || v == "off" || v == "no");
  }
  if (const char* ms = std::getenv("COLONY_TASK_EVENTS_FLUSH_MS")) {
    int64_t value = std::atoll(ms);
    if (value > 0) options.flush_interval_ms = value;
  }
  if (const char* max = std::getenv("COLONY_TASK_EVENTS_MAX_BUFFERED")) {
    int64_t value = std::atoll(max);
    if (value > 0) options.max_buffered = static_cast<size_t>(value);
  }
  return options;
}

TaskEventBuffer::TaskEventBuffer(TaskEventBufferOptions options, Sender send)
    : options_(std::move(options)), send_(std::move(send)) {}

TaskEventBuffer::~TaskEventBuffer() { Stop(); }

void TaskEventBuffer::SetLogDir(const std::string& dir) {
  if (!options_.enabled || dir.empty() || log_) return;
  log_ = std::make_unique<EventLogWriter>(dir, "CORE_WORKER");
}

void TaskEventBuffer::Start() {
  if (!options_.enabled || thread_.joinable()) return;
  thread_ = std::thread([this] { Run(); });
}

void TaskEventBuffer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
  if (options_.enabled) Flush();
}

void TaskEventBuffer::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stopping_) {
    cv_.wait_for(lock, std::chrono::milliseconds(options_.flush_interval_ms));
    if (stopping_) break;
    lock.unlock();
    Flush();
    lock.lock();
  }
}

rpc::TaskEvent TaskEventBuffer::Base(const rpc::TaskSpec& spec, const char* state) const {
  rpc::TaskEvent e;
  e.set_task_id(spec.task_id());
  e.set_attempt(spec.attempt_number());
  e.set_job_id(spec.job_id());
  e.set_state(state);
  e.set_time_us(NowMicros());
  return e;
}

void TaskEventBuffer::Add(rpc::TaskEvent event) {
  std::lock_guard<std::mutex> lock(mu_);
  if (buffer_.size() >= options_.max_buffered) {
    // The GCS is away and the buffer is full: the oldest go, counted.
    buffer_.pop_front();
    dropped_++;
    total_dropped_++;
  }
  buffer_.push_back(std::move(event));
}

void TaskEventBuffer::RecordSubmitted(const rpc::TaskSpec& spec) {
  if (!options_.enabled) return;
  rpc::TaskEvent e = Base(spec, "SUBMITTED");
  e.set_name(spec.name());
  e.set_type(rpc::TaskType_Name(spec.type()));
  e.set_func(FunctionName(spec.function()));
  e.set_actor_id(spec.actor_id());
  e.set_parent_task_id(spec.parent_task_id());
  Add(std::move(e));
}

void TaskEventBuffer::RecordState(const rpc::TaskSpec& spec, const char* state) {
  if (!options_.enabled) return;
  Add(Base(spec, state));
}

void TaskEventBuffer::RecordLeased(const rpc::TaskSpec& spec, const rpc::Address& worker) {
  if (!options_.enabled) return;
  rpc::TaskEvent e = Base(spec, "LEASED");
  e.set_node_id(worker.node_id());
  e.set_worker_id(worker.worker_id());
  Add(std::move(e));
}

void TaskEventBuffer::RecordFailed(const rpc::TaskSpec& spec, const rpc::Address* worker,
                                   const std::string& error_type,
                                   const std::string& error_message) {
  if (!options_.enabled) return;
  rpc::TaskEvent e = Base(spec, "FAILED");
  if (worker != nullptr) {
    e.set_node_id(worker->node_id());
    e.set_worker_id(worker->worker_id());
  }
  e.set_error_type(error_type);
  e.set_error_message(error_message);
  Add(std::move(e));
}

void TaskEventBuffer::RecordExecution(const rpc::TaskSpec& spec, const char* state,
                                      const std::string& node_id, const std::string& worker_id,
                                      int pid, const std::string& error_type) {
  if (!options_.enabled) return;
  rpc::TaskEvent e = Base(spec, state);
  e.set_node_id(node_id);
  e.set_worker_id(worker_id);
  e.set_pid(pid);
  e.set_error_type(error_type);
  if (std::strcmp(state, "RUNNING") == 0) {
    // The executor names the task too: actor creation tasks have no owner-side record.
    e.set_name(spec.name());
    e.set_type(rpc::TaskType_Name(spec.type()));
    e.set_func(FunctionName(spec.function()));
    e.set_actor_id(spec.actor_id());
  }
  Add(std::move(e));
}

void TaskEventBuffer::Flush() {
  std::lock_guard<std::mutex> flush_lock(flush_mu_);
  std::deque<rpc::TaskEvent> batch;
  int64_t dropped;
  {
    std::lock_guard<std::mutex> lock(mu_);
    batch.swap(buffer_);
    dropped = dropped_;
    dropped_ = 0;
  }
  if (log_ && !batch.empty()) {
    std::vector<std::string> lines;
    lines.reserve(batch.size());
    for (const auto& e : batch) lines.push_back(TaskEventToJson(e));
    log_->WriteLines(lines.data(), lines.size());
  }
  if (batch.empty() && unsent_.empty() && dropped == 0) return;
  rpc::AddEventsRequest request;
  request.mutable_task_events()->Reserve(static_cast<int>(unsent_.size() + batch.size()));
  for (auto& e : unsent_) *request.add_task_events() = std::move(e);
  for (auto& e : batch) *request.add_task_events() = std::move(e);
  unsent_.clear();
  request.set_dropped_task_events(dropped);
  Status sent = send_(request);
  if (sent.ok()) return;
  // Keep the newest max_buffered for the next round; the rest are counted as dropped.
  int n = request.task_events_size();
  int keep = std::min<int>(n, static_cast<int>(options_.max_buffered));
  for (int i = n - keep; i < n; i++) unsent_.push_back(std::move(*request.mutable_task_events(i)));
  std::lock_guard<std::mutex> lock(mu_);
  dropped_ += dropped + (n - keep);
  total_dropped_ += n - keep;
}

size_t TaskEventBuffer::num_buffered() const {
  std::lock_guard<std::mutex> lock(mu_);
  return buffer_.size();
}

int64_t TaskEventBuffer::num_dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return total_dropped_;
}

}  // namespace colony
