// Daemons started by a process that cannot make them die with it (a JVM cannot set
// PR_SET_PDEATHSIG) are given that process's pid in COLONY_EXIT_WITH_PID: once it is gone,
// the daemon sends itself SIGTERM and shuts down as if asked to.
#pragma once

namespace colony {

// Call after SIGTERM is blocked for sigwait; starts a watcher thread if the variable is set.
void ExitWithPidFromEnvironment();

}  // namespace colony
