#include "common/event_log.h"

#include <unistd.h>

#include <chrono>

#include "common/filesystem.h"
#include "common/id.h"
#include "common/logging.h"

namespace colony {

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

namespace {

void AppendEscaped(std::string* out, const std::string& s) {
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      default:
        if (c < 0x20) {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\u%04x", c);
          out->append(buf);
        } else {
          out->push_back(static_cast<char>(c));  // UTF-8 passes through
        }
    }
  }
  out->push_back('"');
}

// Builds one JSON object; empty strings and ids are left out.
class JsonObject {
 public:
  JsonObject() { out_.push_back('{'); }
  JsonObject& Str(const char* key, const std::string& value) {
    if (value.empty()) return *this;
    Key(key);
    AppendEscaped(&out_, value);
    return *this;
  }
  JsonObject& Id(const char* key, const std::string& binary) {
    if (binary.empty()) return *this;
    return Str(key, BytesToHex(reinterpret_cast<const uint8_t*>(binary.data()), binary.size()));
  }
  JsonObject& Int(const char* key, int64_t value) {
    Key(key);
    out_.append(std::to_string(value));
    return *this;
  }
  std::string Done() {
    out_.push_back('}');
    return std::move(out_);
  }

 private:
  void Key(const char* key) {
    if (out_.size() > 1) out_.push_back(',');
    AppendEscaped(&out_, key);
    out_.push_back(':');
  }
  std::string out_;
};

}  // namespace

std::string EventToJson(const rpc::Event& e) {
  JsonObject o;
  o.Int("time_us", e.time_us()).Str("kind", e.kind()).Str("state", e.state());
  o.Id("id", e.entity_id()).Id("job_id", e.job_id()).Id("node_id", e.node_id());
  o.Id("worker_id", e.worker_id());
  if (e.pid() != 0) o.Int("pid", e.pid());
  o.Str("message", e.message()).Str("source", e.source());
  for (const auto& [k, v] : e.fields()) o.Str(("field." + k).c_str(), v);
  return o.Done();
}

std::string TaskEventToJson(const rpc::TaskEvent& e) {
  JsonObject o;
  o.Int("time_us", e.time_us()).Str("kind", "TASK").Str("state", e.state());
  o.Id("task_id", e.task_id()).Int("attempt", e.attempt()).Id("job_id", e.job_id());
  o.Str("name", e.name()).Str("type", e.type()).Str("func", e.func());
  o.Id("actor_id", e.actor_id()).Id("parent_task_id", e.parent_task_id());
  o.Id("node_id", e.node_id()).Id("worker_id", e.worker_id());
  if (e.pid() != 0) o.Int("pid", e.pid());
  o.Str("error_type", e.error_type()).Str("error_message", e.error_message());
  return o.Done();
}

EventLogWriter::EventLogWriter(const std::string& dir, const std::string& source) {
  Status made = MakeDirs(dir);
  path_ = dir + "/events_" + source + "_" + std::to_string(getpid()) + ".jsonl";
  if (made.ok()) file_ = fopen(path_.c_str(), "a");
  if (file_ == nullptr) {
    COLONY_LOG(WARNING) << "cannot write events to " << path_ << " ("
                        << (made.ok() ? "open failed" : made.ToString())
                        << "); they still go to the GCS";
  }
}

EventLogWriter::~EventLogWriter() {
  if (file_ != nullptr) fclose(file_);
}

void EventLogWriter::WriteLines(const std::string* lines, size_t count) {
  if (file_ == nullptr || count == 0) return;
  std::lock_guard<std::mutex> lock(mu_);
  for (size_t i = 0; i < count; i++) {
    fwrite(lines[i].data(), 1, lines[i].size(), file_);
    fputc('\n', file_);
  }
  fflush(file_);
}

}  // namespace colony
