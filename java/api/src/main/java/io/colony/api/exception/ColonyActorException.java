package io.colony.api.exception;

/** The actor died or could not be created; the message says why. */
public class ColonyActorException extends ColonyException {
  private static final long serialVersionUID = 1L;

  public ColonyActorException(String message) {
    super(message);
  }
}
