package io.colony.runtime.jni;

/** The C++ {@code colony::StatusCode} values, in their declaration order. */
public enum StatusCode {
  OK,
  INVALID_ARGUMENT,
  NOT_FOUND,
  ALREADY_EXISTS,
  TIMED_OUT,
  IO_ERROR,
  UNAVAILABLE,
  UNAUTHENTICATED,
  CANCELLED,
  INTERNAL,
  OBJECT_STORE_FULL,
  LIMIT_EXCEEDED;

  /** The code of a C++ status number; INTERNAL for numbers this build does not know. */
  public static StatusCode fromNumber(int number) {
    StatusCode[] all = values();
    return number >= 0 && number < all.length ? all[number] : INTERNAL;
  }
}
