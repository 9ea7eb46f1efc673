package io.colony.api.metrics;

import java.util.List;
import java.util.Map;

/** A value that is set (the last one set is shown). */
public final class Gauge extends Metric {
  public Gauge(String name, String description, List<String> tagKeys) {
    super("gauge", name, description, tagKeys, null);
  }

  public Gauge(String name, String description) {
    this(name, description, List.of());
  }

  public void set(double value) {
    set(value, Map.of());
  }

  public void set(double value, Map<String, String> tags) {
    state.set(series(tags), number(name, value));
  }
}
