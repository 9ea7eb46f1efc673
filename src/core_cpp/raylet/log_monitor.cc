#include "raylet/log_monitor.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <utility>

#include "common/logging.h"
#include "rpc/grpc_util.h"

namespace colony::raylet {
namespace {

constexpr int64_t kPublishTimeoutMs = 5000;
constexpr int64_t kErrorLogPeriodMs = 60000;
constexpr int kMaxReadsAfterExit = 4;
// Publishes stay well under gRPC's 4 MiB message limit.
constexpr size_t kPublishBytes = 1 << 20;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

bool StartsWith(const std::string& text, const char* prefix) {
  return text.compare(0, std::strlen(prefix), prefix) == 0;
}

}  // namespace

GcsLogSink::GcsLogSink(const std::string& gcs_address, std::string token)
    : token_(std::move(token)), stub_(rpc::GcsService::NewStub(rpc::MakeChannel(gcs_address))) {}

Status GcsLogSink::Publish(const rpc::PublishLogsRequest& request) {
  grpc::ClientContext ctx;
  rpc::PrepareClientContext(&ctx, token_, kPublishTimeoutMs);
  rpc::PublishLogsReply reply;
  return rpc::FromGrpcStatus(stub_->PublishLogs(&ctx, request, &reply));
}

bool LogLineSplitter::ParseMarker(const std::string& line, std::string* name) {
  const char* marker = StartsWith(line, kTaskMarker)    ? kTaskMarker
                       : StartsWith(line, kActorMarker) ? kActorMarker
                                                        : nullptr;
  if (marker == nullptr) return false;
  size_t id_end = line.find(':', std::strlen(marker));
  *name = id_end == std::string::npos ? std::string() : line.substr(id_end + 1);
  return true;
}

void LogLineSplitter::Line(
    std::string line, const std::function<void(const std::string&, std::string)>& emit) {
  if (!line.empty() && line.back() == '\r') line.pop_back();
  std::string name;
  if (ParseMarker(line, &name)) {
    name_ = std::move(name);
    return;
  }
  emit(name_, std::move(line));
}

void LogLineSplitter::Feed(const char* data, size_t size,
                           const std::function<void(const std::string&, std::string)>& emit) {
  size_t start = 0;
  while (start < size) {
    const void* nl = std::memchr(data + start, '\n', size - start);
    size_t end = nl ? static_cast<const char*>(nl) - data : size;
    partial_.append(data + start, end - start);
    if (nl) {
      Line(std::move(partial_), emit);
      partial_.clear();
      start = end + 1;
    } else {
      start = size;
    }
    // A very long line is sent in pieces rather than held without bound.
    while (partial_.size() >= max_line_bytes_) {
      emit(name_, partial_.substr(0, max_line_bytes_));
      partial_.erase(0, max_line_bytes_);
    }
  }
}

void LogLineSplitter::Finish(const std::function<void(const std::string&, std::string)>& emit) {
  if (partial_.empty()) return;
  Line(std::move(partial_), emit);
  partial_.clear();
}

LogMonitor::LogMonitor(LogMonitorOptions options, LogSink* sink,
                       std::function<bool(pid_t)> is_alive)
    : options_(std::move(options)), sink_(sink), is_alive_(std::move(is_alive)) {
  if (!is_alive_) {
    // The raylet reaps its children, so a dead worker's pid answers ESRCH.
    is_alive_ = [](pid_t pid) { return kill(pid, 0) == 0 || errno == EPERM; };
  }
}

LogMonitor::~LogMonitor() {
  Stop();
  for (auto& [pid, process] : processes_) {
    if (process.out.fd >= 0) close(process.out.fd);
    if (process.err.fd >= 0) close(process.err.fd);
  }
}

void LogMonitor::AddProcess(const rpc::WorkerLogInfo& info) {
  std::lock_guard<std::mutex> lock(mu_);
  added_.push_back(info);
}

void LogMonitor::Start() { thread_ = std::thread([this] { Run(); }); }

void LogMonitor::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

size_t LogMonitor::num_processes() { return processes_.size(); }

void LogMonitor::Run() {
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    lock.unlock();
    PollOnce();
    lock.lock();
    cv_.wait_for(lock, std::chrono::milliseconds(options_.period_ms), [this] { return stop_; });
  }
}

void LogMonitor::PollOnce() {
  std::vector<rpc::WorkerLogInfo> added;
  {
    std::lock_guard<std::mutex> lock(mu_);
    added.swap(added_);
  }
  for (auto& info : added) {
    Process& process = processes_[info.pid()];
    process.info = std::move(info);
    for (TailedFile* file : {&process.out, &process.err}) {
      file->is_err = file == &process.err;
      file->path = options_.logs_dir + "/" +
                   (file->is_err ? process.info.err_file() : process.info.out_file());
      file->splitter = std::make_unique<LogLineSplitter>(options_.max_line_bytes);
    }
  }
  rpc::PublishLogsRequest request;
  for (auto it = processes_.begin(); it != processes_.end();) {
    Process& process = it->second;
    // Checked before reading: whatever it wrote before exiting is then read this round.
    bool exited = !is_alive_(process.info.pid());
    ReadNew(process, process.out, exited, &request);
    ReadNew(process, process.err, exited, &request);
    if (request.ByteSizeLong() >= kPublishBytes) Publish(&request);
    if (exited) {
      if (process.out.fd >= 0) close(process.out.fd);
      if (process.err.fd >= 0) close(process.err.fd);
      it = processes_.erase(it);
    } else {
      ++it;
    }
  }
  Publish(&request);
}

void LogMonitor::Publish(rpc::PublishLogsRequest* request) {
  if (request->batches_size() == 0) return;
  Status status = sink_->Publish(*request);
  if (!status.ok() && NowMs() - last_error_log_ms_ > kErrorLogPeriodMs) {
    last_error_log_ms_ = NowMs();
    COLONY_LOG(WARNING) << "cannot publish worker output to the GCS (dropped "
                        << request->batches_size() << " batches): " << status.ToString();
  }
  request->Clear();
}

void LogMonitor::ReadNew(const Process& process, TailedFile& file, bool exited,
                         rpc::PublishLogsRequest* request) {
  if (file.fd < 0) {
    file.fd = open(file.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) return;  // not created yet
  }
  auto emit = [&](const std::string& name, std::string line) {
    rpc::LogBatch* batch = request->batches_size() > 0
                               ? request->mutable_batches(request->batches_size() - 1)
                               : nullptr;
    if (batch == nullptr || batch->pid() != process.info.pid() || batch->is_err() != file.is_err ||
        batch->task_name() != name) {
      batch = request->add_batches();
      batch->set_job_id(process.info.job_id());
      batch->set_node_id(options_.node_id.Binary());
      batch->set_pid(process.info.pid());
      if (process.info.worker_ids_size() > 0) batch->set_worker_id(process.info.worker_ids(0));
      batch->set_is_err(file.is_err);
      batch->set_task_name(name);
    }
    batch->add_lines(std::move(line));
  };
  struct stat st;
  if (fstat(file.fd, &st) != 0) return;
  uint64_t size = static_cast<uint64_t>(st.st_size);
  if (size < file.offset) file.offset = 0;  // truncated
  if (read_buffer_.size() != options_.max_read_bytes) read_buffer_.resize(options_.max_read_bytes);
  // After the exit, what is left is read now (up to a bound): the file is closed after
  // this round.
  int reads = 0;
  while (file.offset < size && reads++ < (exited ? kMaxReadsAfterExit : 1)) {
    ssize_t n = pread(file.fd, read_buffer_.data(), read_buffer_.size(),
                      static_cast<off_t>(file.offset));
    if (n <= 0) break;
    file.offset += static_cast<uint64_t>(n);
    file.splitter->Feed(read_buffer_.data(), static_cast<size_t>(n), emit);
  }
  if (exited) file.splitter->Finish(emit);
}

}  // namespace colony::raylet
