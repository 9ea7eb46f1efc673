package io.colony.api.metrics;

import java.util.List;
import java.util.Map;

/** A total that only goes up (exposed as {@code <name>_total}). */
public final class Counter extends Metric {
  public Counter(String name, String description, List<String> tagKeys) {
    super("counter", name, description, tagKeys, null);
  }

  public Counter(String name, String description) {
    this(name, description, List.of());
  }

  public void inc() {
    inc(1.0, Map.of());
  }

  public void inc(double value) {
    inc(value, Map.of());
  }

  public void inc(double value, Map<String, String> tags) {
    number(name, value);
    if (value < 0) {
      throw new IllegalArgumentException("counter '" + name + "': increment must be >= 0, got "
          + value);
    }
    state.add(series(tags), value);
  }
}
