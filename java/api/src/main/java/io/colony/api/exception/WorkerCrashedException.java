package io.colony.api.exception;

/** The worker running the task died (after its retries). */
public class WorkerCrashedException extends ColonyException {
  private static final long serialVersionUID = 1L;

  public WorkerCrashedException(String message) {
    super(message);
  }
}
