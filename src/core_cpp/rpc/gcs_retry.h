// Riding out a GCS that is away (killed and restarting, or waiting for its Redis): every
// process retries its GCS calls with backoff for a bounded time instead of failing at the
// first refused connection. Shared by the raylet's GCS client and the core worker.
//   Status s = RetryGcsCall("KvPut", [&](int64_t timeout_ms) { return OneAttempt(timeout_ms); });
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "common/status.h"

namespace colony::rpc {

// How long a GCS call is retried while the GCS is unreachable: COLONY_GCS_RECONNECT_TIMEOUT_S
// (seconds, > 0), default 60. Read once per process.
int64_t GcsReconnectTimeoutMs();

// True for the failures a restarting GCS causes: no connection (UNAVAILABLE) or no answer
// in time (DEADLINE_EXCEEDED: a GCS waiting for its store). Other errors are answers.
bool IsGcsUnavailable(const Status& status);

// Delays between attempts: 100 ms doubling to 2 s.
class GcsBackoff {
 public:
  int64_t NextDelayMs();

 private:
  int64_t delay_ms_ = 0;
};

// Runs `attempt(timeout_ms)` until it returns something other than an unavailable GCS (or
// a call the GCS cancelled while stopping), or
// `budget_ms` has passed (then the last error, saying how long it tried). Each attempt
// gets min(attempt_timeout_ms, what is left of the budget). Blocks the calling thread.
Status RetryGcsCall(const std::string& what, const std::function<Status(int64_t)>& attempt,
                    int64_t attempt_timeout_ms, int64_t budget_ms = GcsReconnectTimeoutMs());

}  // namespace colony::rpc
