package io.colony.api.exception;

/** The task was cancelled. */
public class TaskCancelledException extends ColonyException {
  private static final long serialVersionUID = 1L;

  public TaskCancelledException(String message) {
    super(message);
  }
}
