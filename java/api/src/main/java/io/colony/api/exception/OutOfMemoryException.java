package io.colony.api.exception;

/**
 * The worker running the task went over the task's memory limit and the kernel killed it (the
 * worker's cgroup, docs/isolation.md); the message names the limit and the node. A kind of worker
 * death, retried like one. Named apart from {@link java.lang.OutOfMemoryError}, which is the JVM's.
 */
public class OutOfMemoryException extends WorkerCrashedException {
  private static final long serialVersionUID = 1L;

  public OutOfMemoryException(String message) {
    super(message);
  }
}
