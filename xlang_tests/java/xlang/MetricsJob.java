package xlang;

import io.colony.api.metrics.Counter;
import io.colony.api.metrics.Gauge;
import io.colony.api.metrics.Histogram;
import java.util.List;
import java.util.Map;

/** A Java task recording user metrics (xlang_tests/test_java_metrics.py). */
public final class MetricsJob {
  private MetricsJob() {}

  public static String record(String route) {
    Map<String, String> tags = Map.of("route", route);
    new Counter("java_requests", "requests served by Java", List.of("route")).inc(2, tags);
    new Gauge("java_queue_length", "items waiting in Java", List.of("route")).set(5, tags);
    new Histogram("java_latency_s", "Java latency", new double[] {0.1, 1.0}, List.of("route"))
        .observe(0.5, tags);
    return "recorded " + route;
  }

  /** Bad input: the message of the exception a metric call throws. */
  public static String refuse() {
    try {
      new Counter("java_bad", "", List.of("route")).inc(-1, Map.of("route", "x"));
      return "accepted";
    } catch (IllegalArgumentException e) {
      return e.getMessage();
    }
  }
}
