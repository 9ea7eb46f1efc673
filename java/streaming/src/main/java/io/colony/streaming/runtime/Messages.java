package io.colony.streaming.runtime;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** The messages on a channel (docs/streaming.md, "Messages on a channel"), as XLANG maps. */
final class Messages {
  static final String KIND = "kind";
  static final String BATCH = "batch";
  static final String WATERMARK = "watermark";
  static final String BARRIER = "barrier";
  static final String EOS = "eos";
  /** The watermark a final checkpoint sends first: fires every event-time window. */
  static final long END_OF_TIME = 1L << 53;

  private Messages() {}

  /** A batch: {@code records} a list (XLANG), or the FORY bytes of one (Java to Java). */
  static Map<String, Object> batch(Object records, String encoding, List<Long> timestamps) {
    Map<String, Object> m = new HashMap<>(8);
    m.put(KIND, BATCH);
    m.put("encoding", encoding);
    m.put("records", records);
    m.put("timestamps", timestamps);
    return m;
  }

  static Map<String, Object> watermark(long timestamp) {
    Map<String, Object> m = new HashMap<>(4);
    m.put(KIND, WATERMARK);
    m.put("timestamp", timestamp);
    return m;
  }

  static Map<String, Object> barrier(long checkpoint, boolean isFinal) {
    Map<String, Object> m = new HashMap<>(4);
    m.put(KIND, BARRIER);
    m.put("checkpoint", checkpoint);
    m.put("final", isFinal);
    return m;
  }

  static Map<String, Object> eos() {
    Map<String, Object> m = new HashMap<>(2);
    m.put(KIND, EOS);
    return m;
  }

  static long number(Object value, String what) {
    if (value instanceof Number) {
      return ((Number) value).longValue();
    }
    throw new IllegalArgumentException(what + " is not a number: " + value);
  }
}
