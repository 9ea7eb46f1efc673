package io.colony.api.exception;

/** The process that owned the object died, and the object with it. */
public class OwnerDiedException extends ObjectLostException {
  private static final long serialVersionUID = 1L;

  public OwnerDiedException(String message) {
    super(message);
  }
}
