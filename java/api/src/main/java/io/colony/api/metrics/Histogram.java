package io.colony.api.metrics;

import java.util.List;
import java.util.Map;

/** Observations counted into buckets with the given upper boundaries (+Inf added). */
public final class Histogram extends Metric {
  public Histogram(String name, String description, double[] boundaries, List<String> tagKeys) {
    super("histogram", name, description, tagKeys, MetricNames.checkBoundaries(name, boundaries));
  }

  public void observe(double value) {
    observe(value, Map.of());
  }

  public void observe(double value, Map<String, String> tags) {
    state.observe(series(tags), number(name, value));
  }
}
