package io.colony.api.runtime;

/**
 * The process's current runtime. Service provider interface: {@link io.colony.api.Colony} installs
 * driver runtimes; a worker's entry point installs its own before running tasks, so that task code
 * can call the API too.
 */
public final class RuntimeHolder {
  private static final Object LOCK = new Object();
  private static volatile ColonyRuntime current;
  // A JVM hosting several logical workers runs each task with its own worker's runtime.
  private static final ThreadLocal<ColonyRuntime> THREAD_RUNTIME = new ThreadLocal<>();

  private RuntimeHolder() {}

  /** The current runtime; throws if there is none. */
  public static ColonyRuntime get() {
    ColonyRuntime local = THREAD_RUNTIME.get();
    if (local != null) {
      return local;
    }
    ColonyRuntime runtime = current;
    if (runtime == null) {
      throw new IllegalStateException("Colony is not initialized: call Colony.init() first");
    }
    return runtime;
  }

  public static boolean isInstalled() {
    return current != null || THREAD_RUNTIME.get() != null;
  }

  /** The runtime the API uses on this thread (null: back to the process-wide one). */
  public static void setForThread(ColonyRuntime runtime) {
    if (runtime == null) {
      THREAD_RUNTIME.remove();
    } else {
      THREAD_RUNTIME.set(runtime);
    }
  }

  /** Installs {@code runtime}; throws if another one is installed. */
  public static void install(ColonyRuntime runtime) {
    synchronized (LOCK) {
      if (current != null) {
        throw new IllegalStateException(
            "Colony.init() was already called; call Colony.shutdown() first");
      }
      current = runtime;
    }
  }

  /** Removes and returns the current runtime, or null if there is none. */
  public static ColonyRuntime uninstall() {
    synchronized (LOCK) {
      ColonyRuntime runtime = current;
      current = null;
      return runtime;
    }
  }
}
