package io.colony.api.metrics;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What makes a metric name or tag key valid: Prometheus's rules plus names Colony keeps; the
 * same rules as Python's {@code colony.util.metrics} (the node's metrics agent checks both).
 */
final class MetricNames {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern TAG = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  static final String RESERVED_PREFIX = "colony_";
  static final Set<String> RESERVED_TAGS = Set.of("node_id", "le", "quantile");

  private MetricNames() {}

  static String checkName(String name) {
    if (name == null || !NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("metric name '" + name + "' is not valid: use letters, "
          + "digits, '_' and ':' and do not start with a digit (Prometheus names)");
    }
    if (name.startsWith(RESERVED_PREFIX)) {
      throw new IllegalArgumentException("metric name '" + name + "': names starting with '"
          + RESERVED_PREFIX + "' are Colony's built-in metrics");
    }
    return name;
  }

  static List<String> checkTagKeys(String name, List<String> tagKeys) {
    if (tagKeys == null) {
      return List.of();
    }
    Set<String> seen = new HashSet<>();
    for (String k : tagKeys) {
      if (k == null || !TAG.matcher(k).matches() || k.startsWith("__")) {
        throw new IllegalArgumentException("metric '" + name + "': tag key '" + k + "' is not "
            + "valid (letters, digits and '_', not starting with a digit or '__')");
      }
      if (RESERVED_TAGS.contains(k)) {
        throw new IllegalArgumentException("metric '" + name + "': tag key '" + k
            + "' is reserved (le, node_id, quantile)");
      }
      if (!seen.add(k)) {
        throw new IllegalArgumentException("metric '" + name + "': tag key '" + k + "' repeated");
      }
    }
    return List.copyOf(tagKeys);
  }

  static double[] checkBoundaries(String name, double[] boundaries) {
    if (boundaries == null || boundaries.length == 0) {
      throw new IllegalArgumentException("histogram '" + name
          + "': needs at least one bucket boundary");
    }
    for (int i = 0; i < boundaries.length; i++) {
      if (!Double.isFinite(boundaries[i])) {
        throw new IllegalArgumentException("histogram '" + name + "': boundaries must be finite");
      }
      if (i > 0 && boundaries[i - 1] >= boundaries[i]) {
        throw new IllegalArgumentException("histogram '" + name
            + "': boundaries must increase strictly");
      }
    }
    return boundaries.clone();
  }
}
