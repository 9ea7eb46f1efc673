package io.colony.api.exception;

/** The object's value is gone and cannot be re-created. */
public class ObjectLostException extends ColonyException {
  private static final long serialVersionUID = 1L;

  public ObjectLostException(String message) {
    super(message);
  }
}
