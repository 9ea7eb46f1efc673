package io.colony.runtime;

import io.colony.api.runtime.RuntimeHolder;
import io.colony.runtime.jni.NativeCoreWorker;
import io.colony.runtime.jni.NativeLibraryLoader;
import io.colony.runtime.logging.MarkedPrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Entry point of a Java worker process, started by the raylet with the environment it gives every
 * worker ({@code COLONY_GCS_ADDRESS}, {@code COLONY_RAYLET_ADDRESS}, {@code COLONY_NODE_IP}, {@code
 * COLONY_JOB_ID}, {@code COLONY_WORKER_ID}, {@code COLONY_CLUSTER_TOKEN}) and the job's code search
 * path in {@code -Dcolony.job.code-search-path} or {@code COLONY_CODE_SEARCH_PATH}.
 */
public final class WorkerMain {
  private WorkerMain() {}

  public static void main(String[] args) {
    Map<String, String> env = System.getenv();
    String missing =
        firstMissing(
            env,
            "COLONY_GCS_ADDRESS",
            "COLONY_RAYLET_ADDRESS",
            "COLONY_JOB_ID",
            "COLONY_WORKER_ID");
    if (missing != null) {
      System.err.println("WorkerMain is started by the raylet; " + missing + " is not set");
      System.exit(2);
    }
    // What tasks print is labelled with the task or actor (docs/observability.md).
    MarkedPrintStream.install();
    NativeLibraryLoader.load();
    ClassLoader jobLoader =
        JobClassLoaders.create(codeSearchPath(env), WorkerMain.class.getClassLoader());
    // One JVM hosts several logical workers (thread-hosted actors), one thread each; the JVM
    // ends when the last of them has been stopped.
    String ids = env.getOrDefault("COLONY_WORKER_IDS", env.get("COLONY_WORKER_ID"));
    List<Thread> threads = new ArrayList<>();
    for (String workerId : ids.split(",")) {
      Thread thread = new Thread(() -> runWorker(env, workerId, jobLoader), "colony-worker-" + workerId);
      thread.setContextClassLoader(jobLoader);
      thread.start();
      threads.add(thread);
    }
    for (Thread thread : threads) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    System.exit(0);
  }

  private static void runWorker(Map<String, String> env, String workerId, ClassLoader jobLoader) {
    long worker;
    try {
      worker =
          NativeCoreWorker.initialize(
              env.get("COLONY_GCS_ADDRESS"),
              env.get("COLONY_RAYLET_ADDRESS"),
              env.getOrDefault("COLONY_NODE_IP", "127.0.0.1"),
              env.getOrDefault("COLONY_CLUSTER_TOKEN", ""),
              "",
              false,
              env.get("COLONY_JOB_ID"),
              workerId,
              new byte[0]);
    } catch (RuntimeException e) {
      System.err.println("worker " + workerId + " could not start: " + e);
      Runtime.getRuntime().halt(1); // the raylet sees the process die and retries
      return;
    }
    ColonyRuntimeImpl runtime = new ColonyRuntimeImpl(worker, jobLoader, null);
    RuntimeHolder.setForThread(runtime); // task code may call the API
    NativeCoreWorker.registerRuntime(worker, runtime);
    NativeCoreWorker.registerExecutor(worker, runtime.newExecutor());
    try {
      NativeCoreWorker.runTaskLoop(worker);
    } finally {
      RuntimeHolder.setForThread(null);
      runtime.shutdown();
    }
  }

  private static List<String> codeSearchPath(Map<String, String> env) {
    String path = System.getProperty("colony.job.code-search-path");
    return JobClassLoaders.split(path != null ? path : env.get("COLONY_CODE_SEARCH_PATH"));
  }

  private static String firstMissing(Map<String, String> env, String... names) {
    for (String name : names) {
      if (env.getOrDefault(name, "").isEmpty()) {
        return name;
      }
    }
    return null;
  }
}
