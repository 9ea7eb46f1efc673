package io.colony.streaming.runtime.ops;

import java.util.List;

/** The {@code [key, record]} pairs keyed operators receive. */
final class Pairs {
  private Pairs() {}

  static List<?> of(Object record, String operator) {
    if (record instanceof List && ((List<?>) record).size() == 2) {
      return (List<?>) record;
    }
    throw new IllegalArgumentException(
        operator
            + " is keyed and expects [key, record] pairs from a key_by, got "
            + (record == null ? "null" : record.getClass().getName()));
  }
}
