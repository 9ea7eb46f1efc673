// colony-raylet: the per-node daemon. See RayletUsage() for flags.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <future>
#include <string>
#include <thread>
#include <vector>

#include "common/event_loop.h"
#include "common/filesystem.h"
#include "common/logging.h"
#include "common/parent_watch.h"
#include "raylet/raylet.h"

int main(int argc, char** argv) {
  colony::SetLogComponent("raylet");
  std::vector<std::string> args(argv + 1, argv + argc);
  for (const auto& arg : args) {
    if (arg == "--help" || arg == "-h") {
      std::fputs(colony::raylet::RayletUsage(), stdout);
      return 0;
    }
  }
  auto config = colony::raylet::ParseRayletFlags(args);
  if (!config.ok()) {
    std::fprintf(stderr, "colony-raylet: %s\n%s", config.status().message().c_str(),
                 colony::raylet::RayletUsage());
    return 2;
  }
  colony::Status dirs = colony::MakeDirs(config->session_dir + "/logs");
  if (!dirs.ok()) {
    COLONY_LOG(ERROR) << dirs.ToString();
    return 1;
  }

  // Blocked before any thread starts so that only the sigwait thread below sees them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  // The loop runs on this thread for the whole life of the process: workers are forked
  // from it, and their PR_SET_PDEATHSIG fires when the forking thread ends.
  colony::EventLoop loop;
  std::atomic<int> exit_code{0};
  colony::raylet::Raylet raylet(*config, &loop, [&exit_code](int code) {
    exit_code = code;
    kill(getpid(), SIGTERM);
  });
  colony::Status started = raylet.Start();
  if (!started.ok()) {
    COLONY_LOG(ERROR) << started.ToString();
    return 1;
  }

  std::thread stopper([&] {
    int sig = 0;
    colony::ExitWithPidFromEnvironment();
    sigwait(&stop_signals, &sig);
    COLONY_LOG(INFO) << "stopping: "
                     << (exit_code != 0 ? "the GCS declared this node dead" : strsignal(sig));
    std::promise<void> stopped;
    loop.Post([&] {
      raylet.Stop(/*unregister=*/exit_code == 0);
      stopped.set_value();
    });
    stopped.get_future().wait();
    raylet.ShutdownServer();
    loop.Stop();
  });
  loop.Run();
  stopper.join();
  COLONY_LOG(INFO) << "raylet exited";
  return exit_code;
}
