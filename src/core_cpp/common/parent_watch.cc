#include "common/parent_watch.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "common/logging.h"

namespace colony {

void ExitWithPidFromEnvironment() {
  const char* value = std::getenv("COLONY_EXIT_WITH_PID");
  if (value == nullptr || *value == '\0') return;
  pid_t pid = static_cast<pid_t>(std::strtol(value, nullptr, 10));
  if (pid <= 1) return;
  std::thread([pid] {
    while (kill(pid, 0) == 0 || errno != ESRCH) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
    }
    COLONY_LOG(INFO) << "process " << pid << " that started this one exited: shutting down";
    kill(getpid(), SIGTERM);
  }).detach();
}

}  // namespace colony
