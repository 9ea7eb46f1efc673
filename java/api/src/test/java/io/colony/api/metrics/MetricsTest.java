package io.colony.api.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class MetricsTest {
  private static String message(Runnable r) {
    return assertThrows(IllegalArgumentException.class, r::run).getMessage();
  }

  @Test
  void badDefinitionsAreRefusedWithTheReason() {
    assertTrue(message(() -> new Counter("1abc", "")).contains("is not valid"));
    assertTrue(message(() -> new Counter("colony_x", "")).contains("built-in"));
    assertTrue(message(() -> new Gauge("jg", "", List.of("node_id"))).contains("reserved"));
    assertTrue(message(() -> new Gauge("jg2", "", List.of("a", "a"))).contains("repeated"));
    assertTrue(message(() -> new Histogram("jh", "", new double[] {2, 1}, List.of()))
        .contains("increase strictly"));
    assertTrue(message(() -> new Histogram("jh2", "", new double[] {}, List.of()))
        .contains("at least one"));
  }

  @Test
  void badRecordingsAreRefusedAndSeriesAreShared() {
    Counter c = new Counter("j_requests", "requests", List.of("route"));
    assertTrue(message(() -> c.inc(-1, Map.of("route", "/"))).contains("must be >= 0"));
    assertTrue(message(() -> c.inc(1, Map.of("colour", "red"))).contains("was not declared"));
    assertTrue(message(() -> c.inc()).contains("no value for tag(s) [route]"));
    assertTrue(message(() -> new Gauge("j_requests", "", List.of("route")))
        .contains("cannot be redefined as a gauge"));
    c.inc(2, Map.of("route", "/"));
    new Counter("j_requests", "requests", List.of("route")).setDefaultTags(Map.of("route", "/"));
    Histogram h = new Histogram("j_lat", "latency", new double[] {0.1, 1}, List.of());
    h.observe(0.5);
    h.observe(5);
    String json = MetricsRegistry.get().snapshotJson();
    assertTrue(json.contains("{\"tags\":[\"/\"],\"value\":2.0}"), json);
    assertTrue(json.contains("\"buckets\":[0,1,1],\"sum\":5.5,\"count\":2"), json);
    assertEquals("\"a\\\"b\\n\"", MetricsRegistry.quote("a\"b\n"));
  }
}
