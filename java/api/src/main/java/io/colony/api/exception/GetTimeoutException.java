package io.colony.api.exception;

/** {@code Colony.get} did not finish within its timeout. */
public class GetTimeoutException extends ColonyException {
  private static final long serialVersionUID = 1L;

  public GetTimeoutException(String message) {
    super(message);
  }
}
