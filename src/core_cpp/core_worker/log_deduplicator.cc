#include "core_worker/log_deduplicator.h"

#include <cctype>

#include "common/id.h"

namespace colony {
namespace {

bool IsBlank(const std::string& line) {
  for (char c : line) {
    if (!std::isspace(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

}  // namespace

std::string LogDeduplicator::Prefix(const rpc::LogBatch& batch) {
  std::string node = NodeID::FromBinary(batch.node_id()).Hex().substr(0, 8);
  std::string prefix = "(";
  if (!batch.task_name().empty()) prefix += batch.task_name() + " ";
  return prefix + "pid=" + std::to_string(batch.pid()) + " node=" + node + ")";
}

void LogDeduplicator::Add(const rpc::LogBatch& batch, int64_t now_ms, std::vector<LogLine>* out) {
  std::string prefix = Prefix(batch);
  for (const std::string& line : batch.lines()) {
    if (window_ms_ <= 0 || IsBlank(line)) {
      out->push_back(LogLine{batch.is_err(), prefix + " " + line});
      continue;
    }
    auto it = seen_.find(line);
    if (it != seen_.end() && now_ms - it->second.first_ms < window_ms_) {
      ++it->second.repeats;
      it->second.last_prefix = prefix;
      continue;
    }
    if (it != seen_.end()) {
      Expire(line, it->second, out);  // its window is over: a new one starts with this print
      seen_.erase(it);
    }
    out->push_back(LogLine{batch.is_err(), prefix + " " + line});
    seen_.emplace(line, Seen{now_ms, 0, batch.is_err(), prefix});
    order_.emplace_back(now_ms, line);
    // Too many distinct lines at once: the oldest stop being tracked early.
    while (seen_.size() > max_tracked_ && !order_.empty()) {
      auto oldest = seen_.find(order_.front().second);
      if (oldest != seen_.end() && oldest->second.first_ms == order_.front().first) {
        Expire(oldest->first, oldest->second, out);
        seen_.erase(oldest);
      }
      order_.pop_front();
    }
  }
}

void LogDeduplicator::Expire(const std::string& line, Seen& seen, std::vector<LogLine>* out) {
  if (seen.repeats == 0) return;
  out->push_back(LogLine{seen.is_err, seen.last_prefix + " " + line + " [repeated " +
                                          std::to_string(seen.repeats) + "x across cluster]"});
  seen.repeats = 0;
}

void LogDeduplicator::Flush(int64_t now_ms, std::vector<LogLine>* out) {
  while (!order_.empty() &&
         (now_ms == INT64_MAX || now_ms - order_.front().first >= window_ms_)) {
    auto it = seen_.find(order_.front().second);
    // A line re-tracked since (after its earlier window ended) has a later entry.
    if (it != seen_.end() && it->second.first_ms == order_.front().first) {
      Expire(it->first, it->second, out);
      seen_.erase(it);
    }
    order_.pop_front();
  }
}

int64_t LogDeduplicator::NextDeadlineMs() const {
  return order_.empty() ? INT64_MAX : order_.front().first + window_ms_;
}

}  // namespace colony
