// Clang thread-safety annotations (https://clang.llvm.org/docs/ThreadSafetyAnalysis.html):
// what guards a member (GUARDED_BY), which lock a function needs held (REQUIRES) or not held
// (EXCLUDES). Checked by scripts/check_thread_safety.sh (clang -Wthread-safety); no-ops for
// other compilers. Use with colony::Mutex and colony::MutexLock (common/mutex.h): std::mutex
// carries no annotations in libstdc++.
#pragma once

#if defined(__clang__)
#define COLONY_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define COLONY_THREAD_ANNOTATION(x)
#endif

#define COLONY_CAPABILITY(x) COLONY_THREAD_ANNOTATION(capability(x))
#define COLONY_SCOPED_CAPABILITY COLONY_THREAD_ANNOTATION(scoped_lockable)
#define COLONY_GUARDED_BY(x) COLONY_THREAD_ANNOTATION(guarded_by(x))
#define COLONY_PT_GUARDED_BY(x) COLONY_THREAD_ANNOTATION(pt_guarded_by(x))
#define COLONY_REQUIRES(...) COLONY_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define COLONY_EXCLUDES(...) COLONY_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define COLONY_ACQUIRE(...) COLONY_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define COLONY_RELEASE(...) COLONY_THREAD_ANNOTATION(release_capability(__VA_ARGS__))
#define COLONY_TRY_ACQUIRE(...) COLONY_THREAD_ANNOTATION(try_acquire_capability(__VA_ARGS__))
#define COLONY_ASSERT_CAPABILITY(x) COLONY_THREAD_ANNOTATION(assert_capability(x))
#define COLONY_NO_THREAD_SAFETY_ANALYSIS COLONY_THREAD_ANNOTATION(no_thread_safety_analysis)
