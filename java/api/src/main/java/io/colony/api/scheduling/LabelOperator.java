package io.colony.api.scheduling;

import java.util.List;
import java.util.Objects;

/**
 * One condition on a node label, the value side of a {@link NodeLabelSchedulingStrategy}
 * selector: {@link #in}, {@link #notIn}, {@link #exists()}, {@link #doesNotExist()} (Python's
 * {@code In}, {@code NotIn}, {@code Exists}, {@code DoesNotExist}).
 */
public final class LabelOperator {
  /** The kinds, numbered as the core's {@code LabelMatch.Op}. */
  public enum Kind {
    IN,
    NOT_IN,
    EXISTS,
    DOES_NOT_EXIST
  }

  private final Kind kind;
  private final List<String> values;

  private LabelOperator(Kind kind, List<String> values) {
    this.kind = kind;
    this.values = values;
  }

  /** The label is present and its value is one of {@code values}. */
  public static LabelOperator in(String... values) {
    return new LabelOperator(Kind.IN, checked("in", values));
  }

  /** The label is absent, or its value is none of {@code values}. */
  public static LabelOperator notIn(String... values) {
    return new LabelOperator(Kind.NOT_IN, checked("notIn", values));
  }

  /** The label is present, whatever its value. */
  public static LabelOperator exists() {
    return new LabelOperator(Kind.EXISTS, List.of());
  }

  /** The label is absent. */
  public static LabelOperator doesNotExist() {
    return new LabelOperator(Kind.DOES_NOT_EXIST, List.of());
  }

  private static List<String> checked(String name, String[] values) {
    if (values == null || values.length == 0) {
      throw new IllegalArgumentException(name + "() needs at least one label value");
    }
    for (String value : values) {
      if (value == null || value.isEmpty()) {
        throw new IllegalArgumentException(
            name + "() takes non-empty strings, got " + (value == null ? "null" : "''"));
      }
    }
    return List.of(values);
  }

  public Kind getKind() {
    return kind;
  }

  /** The values of {@code in}/{@code notIn}; empty for the others. */
  public List<String> getValues() {
    return values;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof LabelOperator other && kind == other.kind && values.equals(other.values);
  }

  @Override
  public int hashCode() {
    return Objects.hash(kind, values);
  }

  @Override
  public String toString() {
    return kind + values.toString();
  }
}
