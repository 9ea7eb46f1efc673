package io.colony.api.metrics;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * This process's metrics and their series. Defining a metric again with the same type, tag
 * keys and boundaries shares its series (as in Python); anything else is refused.
 */
final class MetricsRegistry {
  private static final MetricsRegistry INSTANCE = new MetricsRegistry();
  private final Map<String, State> metrics = new LinkedHashMap<>();
  private boolean changed;

  static MetricsRegistry get() {
    return INSTANCE;
  }

  /** One metric's series; guarded by the registry's lock. */
  final class State {
    final String name;
    final String type;
    final String description;
    final List<String> tagKeys;
    final double[] bounds;
    // tag values -> value (counter, gauge) or [bucket counts..., sum, count] (histogram)
    final Map<List<String>, double[]> series = new LinkedHashMap<>();

    State(String name, String type, String description, List<String> tagKeys, double[] bounds) {
      this.name = name;
      this.type = type;
      this.description = description;
      this.tagKeys = tagKeys;
      this.bounds = bounds;
    }

    void add(List<String> key, double value) {
      synchronized (MetricsRegistry.this) {
        series.computeIfAbsent(key, k -> new double[1])[0] += value;
        changed = true;
      }
    }

    void set(List<String> key, double value) {
      synchronized (MetricsRegistry.this) {
        series.computeIfAbsent(key, k -> new double[1])[0] = value;
        changed = true;
      }
    }

    void observe(List<String> key, double value) {
      synchronized (MetricsRegistry.this) {
        double[] h = series.computeIfAbsent(key, k -> new double[bounds.length + 3]);
        int i = 0;
        while (i < bounds.length && value > bounds[i]) {
          i++;
        }
        h[i] += 1;
        h[bounds.length + 1] += value;
        h[bounds.length + 2] += 1;
        changed = true;
      }
    }
  }

  State register(String name, String type, String description, List<String> tagKeys,
      double[] bounds) {
    boolean first;
    State state;
    synchronized (this) {
      State have = metrics.get(name);
      if (have != null) {
        if (!have.type.equals(type) || !have.tagKeys.equals(tagKeys)
            || !Arrays.equals(have.bounds, bounds)) {
          throw new IllegalArgumentException("metric '" + name + "' is already defined in this "
              + "process as a " + have.type + " with tag keys " + have.tagKeys
              + "; it cannot be redefined as a " + type + " with tag keys " + tagKeys);
        }
        return have;
      }
      state = new State(name, type, description, tagKeys, bounds);
      metrics.put(name, state);
      first = metrics.size() == 1;
    }
    if (first) {
      MetricsReporter.start(this);
    }
    return state;
  }

  synchronized boolean changed() {
    return changed;
  }

  synchronized void markChanged() {
    changed = true;
  }

  /** The whole state as the JSON list the agent takes (colony.metrics_agent). */
  synchronized String snapshotJson() {
    changed = false;
    StringBuilder out = new StringBuilder("[");
    boolean firstMetric = true;
    for (State m : metrics.values()) {
      if (!firstMetric) {
        out.append(',');
      }
      firstMetric = false;
      out.append("{\"name\":").append(quote(m.name)).append(",\"type\":").append(quote(m.type))
          .append(",\"description\":").append(quote(m.description)).append(",\"tag_keys\":");
      strings(out, m.tagKeys);
      if (m.bounds != null) {
        out.append(",\"boundaries\":").append(numbers(m.bounds, 0, m.bounds.length));
      }
      out.append(",\"series\":[");
      boolean firstSeries = true;
      for (Map.Entry<List<String>, double[]> s : m.series.entrySet()) {
        if (!firstSeries) {
          out.append(',');
        }
        firstSeries = false;
        out.append("{\"tags\":");
        strings(out, s.getKey());
        double[] v = s.getValue();
        if (m.bounds != null) {
          int n = m.bounds.length;
          out.append(",\"buckets\":[");
          for (int i = 0; i <= n; i++) {
            out.append(i > 0 ? "," : "").append((long) v[i]);
          }
          out.append("],\"sum\":").append(num(v[n + 1])).append(",\"count\":")
              .append((long) v[n + 2]);
        } else {
          out.append(",\"value\":").append(num(v[0]));
        }
        out.append('}');
      }
      out.append("]}");
    }
    return out.append(']').toString();
  }

  private static String numbers(double[] values, int from, int to) {
    StringBuilder b = new StringBuilder("[");
    for (int i = from; i < to; i++) {
      b.append(i > from ? "," : "").append(num(values[i]));
    }
    return b.append(']').toString();
  }

  private static String num(double v) {
    return Double.isFinite(v) ? Double.toString(v) : "0";
  }

  private static void strings(StringBuilder out, List<String> values) {
    out.append('[');
    for (int i = 0; i < values.size(); i++) {
      out.append(i > 0 ? "," : "").append(quote(values.get(i)));
    }
    out.append(']');
  }

  static String quote(String s) {
    StringBuilder b = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      switch (c) {
        case '"': b.append("\\\""); break;
        case '\\': b.append("\\\\"); break;
        case '\n': b.append("\\n"); break;
        case '\r': b.append("\\r"); break;
        case '\t': b.append("\\t"); break;
        default:
          if (c < 0x20) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
      }
    }
    return b.append('"').toString();
  }
}
