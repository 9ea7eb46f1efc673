package io.colony.api.exception;

/** The node's shared-memory object store had no room for a value, even after spilling. */
public class ObjectStoreFullException extends ColonyException {
  private static final long serialVersionUID = 1L;

  public ObjectStoreFullException(String message) {
    super(message);
  }
}
