package io.colony.runtime.state;

import java.util.Objects;

/**
 * One condition on a state row: {@code key = value} or {@code key != value}. Values compare as
 * text; states in any case, ids also by hex prefix (as {@code colony list --filter} does).
 */
public record Filter(String key, String op, String value) {
  public Filter {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(op, "op");
    Objects.requireNonNull(value, "value");
    if (!op.equals("=") && !op.equals("!=")) {
      throw new IllegalArgumentException(
          "unknown filter operator '" + op + "' in the filter on '" + key + "'; use = or !=");
    }
  }

  public static Filter eq(String key, Object value) {
    return new Filter(key, "=", String.valueOf(value));
  }

  public static Filter ne(String key, Object value) {
    return new Filter(key, "!=", String.valueOf(value));
  }

  boolean matches(Object have) {
    String text = have == null ? "" : String.valueOf(have);
    boolean equal =
        text.equals(value)
            || text.equalsIgnoreCase(value)
            || (key.endsWith("_id") && !value.isEmpty() && text.startsWith(value));
    return equal == op.equals("=");
  }
}
