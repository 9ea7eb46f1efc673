#include "common/status.h"

namespace colony {

std::string Status::ToString() const {
  static const char* kNames[] = {"OK",          "InvalidArgument", "NotFound",
                                 "AlreadyExists", "TimedOut",      "IOError",
                                 "Unavailable", "Unauthenticated", "Cancelled",
                                 "Internal",    "ObjectStoreFull", "LimitExceeded",
                                 "RuntimeEnvSetupFailed"};
  std::string s = kNames[static_cast<int>(code_)];
  if (!message_.empty()) s += ": " + message_;
  return s;
}

}  // namespace colony
