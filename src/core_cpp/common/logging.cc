#include "common/logging.h"

#include <sys/time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

namespace colony {
namespace {
std::string g_component = "colony";

LogLevel LevelFromEnv() {
  const char* v = std::getenv("COLONY_LOG_LEVEL");
  if (v == nullptr) return LogLevel::INFO;
  if (strcasecmp(v, "debug") == 0) return LogLevel::DEBUG;
  if (strcasecmp(v, "warning") == 0) return LogLevel::WARNING;
  if (strcasecmp(v, "error") == 0) return LogLevel::ERROR;
  return LogLevel::INFO;
}
}  // namespace

void SetLogComponent(const std::string& name) { g_component = name; }

LogLevel MinLogLevel() {
  static LogLevel level = LevelFromEnv();
  return level;
}

LogMessage::LogMessage(LogLevel level, const char* file, int line) : level_(level) {
  static const char* kNames = "DIWEF";
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm t;
  localtime_r(&tv.tv_sec, &t);
  char buf[64];
  strftime(buf, sizeof(buf), "%H:%M:%S", &t);
  const char* base = strrchr(file, '/');
  stream_ << "[" << kNames[static_cast<int>(level)] << " " << buf << "." << (tv.tv_usec / 1000)
          << " " << g_component << " " << getpid() << " " << (base ? base + 1 : file) << ":"
          << line << "] ";
}

LogMessage::~LogMessage() {
  stream_ << "\n";
  std::string s = stream_.str();
  fwrite(s.data(), 1, s.size(), stderr);
  fflush(stderr);
  if (level_ == LogLevel::FATAL) std::abort();
}

}  // namespace colony
