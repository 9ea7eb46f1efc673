package io.colony.api.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A user metric: its name, description and tag keys, and this process's series (one per tag
 * values). Values reach the node's metrics agent through {@link MetricsReporter}.
 */
public abstract class Metric {
  final String name;
  final String description;
  final List<String> tagKeys;
  final MetricsRegistry.State state;
  private volatile Map<String, String> defaultTags = Map.of();

  Metric(String type, String name, String description, List<String> tagKeys, double[] bounds) {
    this.name = MetricNames.checkName(name);
    this.description = description == null ? "" : description;
    this.tagKeys = MetricNames.checkTagKeys(name, tagKeys);
    this.state = MetricsRegistry.get().register(this.name, type, this.description, this.tagKeys,
        bounds);
  }

  public String getName() {
    return name;
  }

  /** Tag values used when a recording does not give them; returns this metric. */
  public Metric setDefaultTags(Map<String, String> tags) {
    defaultTags = Map.copyOf(checked(tags));
    return this;
  }

  private Map<String, String> checked(Map<String, String> tags) {
    if (tags == null) {
      return Map.of();
    }
    for (Map.Entry<String, String> e : tags.entrySet()) {
      if (!tagKeys.contains(e.getKey())) {
        throw new IllegalArgumentException("metric '" + name + "': tag key '" + e.getKey()
            + "' was not declared (tag keys " + tagKeys + ")");
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException("metric '" + name + "': tag '" + e.getKey()
            + "' has no value");
      }
    }
    return tags;
  }

  /** The tag values, in tag-key order, of a recording with these tags. */
  List<String> series(Map<String, String> tags) {
    Map<String, String> merged = new HashMap<>(defaultTags);
    merged.putAll(checked(tags));
    List<String> values = new ArrayList<>(tagKeys.size());
    List<String> missing = new ArrayList<>();
    for (String k : tagKeys) {
      String v = merged.get(k);
      if (v == null) {
        missing.add(k);
      }
      values.add(v);
    }
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("metric '" + name + "': no value for tag(s) " + missing
          + " (pass them in tags or setDefaultTags)");
    }
    return values;
  }

  static double number(String name, double value) {
    if (Double.isNaN(value)) {
      throw new IllegalArgumentException("metric '" + name + "': value is NaN");
    }
    return value;
  }
}
