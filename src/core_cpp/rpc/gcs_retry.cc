#include "rpc/gcs_retry.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/logging.h"

namespace colony::rpc {
namespace {

constexpr int64_t kDefaultReconnectTimeoutMs = 60000;
constexpr int64_t kFirstDelayMs = 100;
constexpr int64_t kMaxDelayMs = 2000;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

int64_t ReadReconnectTimeoutMs() {
  const char* text = std::getenv("COLONY_GCS_RECONNECT_TIMEOUT_S");
  if (text == nullptr || *text == '\0') return kDefaultReconnectTimeoutMs;
  char* end = nullptr;
  double seconds = std::strtod(text, &end);
  if (*end != '\0' || !(seconds > 0) || seconds > 7 * 24 * 3600) {
    COLONY_LOG(WARNING) << "ignoring COLONY_GCS_RECONNECT_TIMEOUT_S='" << text
                        << "' (expected seconds > 0); using "
                        << kDefaultReconnectTimeoutMs / 1000;
    return kDefaultReconnectTimeoutMs;
  }
  return static_cast<int64_t>(seconds * 1000);
}

}  // namespace

int64_t GcsReconnectTimeoutMs() {
  static const int64_t timeout_ms = ReadReconnectTimeoutMs();
  return timeout_ms;
}

bool IsGcsUnavailable(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kTimedOut;
}

int64_t GcsBackoff::NextDelayMs() {
  delay_ms_ = delay_ms_ == 0 ? kFirstDelayMs : std::min(delay_ms_ * 2, kMaxDelayMs);
  return delay_ms_;
}

Status RetryGcsCall(const std::string& what, const std::function<Status(int64_t)>& attempt,
                    int64_t attempt_timeout_ms, int64_t budget_ms) {
  int64_t start = NowMs();
  int64_t deadline = start + budget_ms;
  GcsBackoff backoff;
  bool warned = false;
  while (true) {
    int64_t left = std::max<int64_t>(1, deadline - NowMs());
    Status status = attempt(std::min(attempt_timeout_ms, left));
    // A GCS that stops (SIGTERM, e.g. a leader handing over to a standby) cancels the
    // calls it holds; nothing here cancels its own calls, so a cancel means "ask again".
    if (!IsGcsUnavailable(status) && status.code() != StatusCode::kCancelled) {
      if (warned && status.ok()) COLONY_LOG(INFO) << what << ": the GCS answers again";
      return status;
    }
    int64_t delay = backoff.NextDelayMs();
    if (NowMs() + delay >= deadline) {
      return Status(status.code(), what + ": the GCS did not answer for " +
                                       std::to_string((NowMs() - start) / 1000) +
                                       " s (COLONY_GCS_RECONNECT_TIMEOUT_S): " +
                                       status.message());
    }
    if (!warned) {
      COLONY_LOG(WARNING) << what << ": GCS unavailable (" << status.message()
                          << "); retrying for up to " << budget_ms / 1000 << " s";
      warned = true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(delay));
  }
}

}  // namespace colony::rpc
