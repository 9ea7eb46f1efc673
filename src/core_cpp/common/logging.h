// Minimal leveled logging to stderr: COLONY_LOG(INFO) << "...";
#pragma once

#include <sstream>
#include <string>

namespace colony {

enum class LogLevel { DEBUG = 0, INFO = 1, WARNING = 2, ERROR = 3, FATAL = 4 };

void SetLogComponent(const std::string& name);
LogLevel MinLogLevel();

class LogMessage {
 public:
  LogMessage(LogLevel level, const char* file, int line);
  ~LogMessage();
  std::ostream& stream() { return stream_; }

 private:
  LogLevel level_;
  std::ostringstream stream_;
};

}  // namespace colony

#define COLONY_LOG(level)                                                         \
  if (::colony::LogLevel::level < ::colony::MinLogLevel()) {                       \
  } else                                                                           \
    ::colony::LogMessage(::colony::LogLevel::level, __FILE__, __LINE__).stream()

#define COLONY_CHECK(cond)                                                 \
  if (cond) {                                                              \
  } else                                                                   \
    ::colony::LogMessage(::colony::LogLevel::FATAL, __FILE__, __LINE__).stream() \
        << "Check failed: " #cond " "
