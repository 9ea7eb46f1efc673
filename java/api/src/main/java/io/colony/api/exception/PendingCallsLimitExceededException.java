package io.colony.api.exception;

/** An actor handle already has {@code maxPendingCalls} calls in flight. */
public class PendingCallsLimitExceededException extends ColonyException {
  private static final long serialVersionUID = 1L;

  public PendingCallsLimitExceededException(String message) {
    super(message);
  }
}
