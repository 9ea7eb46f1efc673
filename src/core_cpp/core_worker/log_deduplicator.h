// Formats worker output for a driver's terminal and folds repeats: a line printed again
// (by any worker, on any node) within the window after its first print is held back and
// counted; when the window ends, it is printed once more with
// "[repeated Nx across cluster]". Lines are prefixed "(name pid=N node=XXXXXXXX)".
// Not thread-safe; time is passed in, so tests drive it by hand.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "gcs.pb.h"

namespace colony {

struct LogLine {
  bool is_err = false;
  std::string text;  // without the newline
};

class LogDeduplicator {
 public:
  // window_ms <= 0 folds nothing.
  explicit LogDeduplicator(int64_t window_ms, size_t max_tracked = 10000)
      : window_ms_(window_ms), max_tracked_(max_tracked) {}

  void Add(const rpc::LogBatch& batch, int64_t now_ms, std::vector<LogLine>* out);
  // Emits the folded lines whose window has ended by `now_ms`.
  void Flush(int64_t now_ms, std::vector<LogLine>* out);
  void FlushAll(std::vector<LogLine>* out) { Flush(INT64_MAX, out); }
  // When the next folded line is due; INT64_MAX if none is tracked.
  int64_t NextDeadlineMs() const;

  static std::string Prefix(const rpc::LogBatch& batch);

 private:
  struct Seen {
    int64_t first_ms;
    int64_t repeats = 0;
    bool is_err = false;
    std::string last_prefix;
  };

  void Expire(const std::string& line, Seen& seen, std::vector<LogLine>* out);

  int64_t window_ms_;
  size_t max_tracked_;
  std::unordered_map<std::string, Seen> seen_;             // by line text
  std::deque<std::pair<int64_t, std::string>> order_;      // (first_ms, line), oldest first
};

}  // namespace colony
