package io.colony.api.exception;

/** A value or an exception from another language that Java cannot read. */
public class CrossLanguageException extends ColonyException {
  private static final long serialVersionUID = 1L;

  public CrossLanguageException(String message) {
    super(message);
  }
}
