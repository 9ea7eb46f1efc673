package io.colony.api.exception;

/** Base class of every exception Colony raises. Unchecked, like Ray's. */
public class ColonyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public ColonyException(String message) {
    super(message);
  }

  public ColonyException(String message, Throwable cause) {
    super(message, cause);
  }
}
