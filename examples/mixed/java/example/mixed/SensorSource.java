package example.mixed;

import io.colony.streaming.function.SourceFunction;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Java streaming source of sensor readings with a replayable offset: reading {@code i} is a pure
 * function of (seed, i), so after a restart the job reopens the source at the checkpointed index
 * and reads exactly the same records again. Instance {@code k} of {@code p} reads the indices
 * {@code i} with {@code i % p == k}; its offset is the next index it will read.
 */
public class SensorSource implements SourceFunction<Map<String, Object>> {
  private final String[] sensors;
  private final long seed;
  private final long count;
  private int parallelism;
  private long next;

  public SensorSource(List<String> sensors, long seed, long count) {
    if (sensors.isEmpty()) {
      throw new IllegalArgumentException("SensorSource needs at least one sensor name");
    }
    this.sensors = sensors.toArray(new String[0]);
    this.seed = seed;
    this.count = count;
  }

  @Override
  public void open(int instance, int parallelism, Object offset) {
    this.parallelism = parallelism;
    this.next = offset == null ? instance : ((Number) offset).longValue();
  }

  @Override
  public List<Map<String, Object>> read(int maxRecords) {
    if (next >= count) {
      return null;
    }
    List<Map<String, Object>> batch = new ArrayList<>();
    for (; next < count && batch.size() < maxRecords; next += parallelism) {
      batch.add(reading(next));
    }
    return batch;
  }

  @Override
  public Object offset() {
    return next;
  }

  /** The driver recomputes this formula in Python to check the job's output. */
  private Map<String, Object> reading(long i) {
    long h = ((i + 1) * 2654435761L + seed * 40503L) & 0xFFFFFFFFL;
    Map<String, Object> record = new LinkedHashMap<>();
    record.put("sensor", sensors[(int) ((h >>> 8) % sensors.length)]);
    record.put("seq", i);
    record.put("celsius", ((int) (h % 400) - 50) / 10.0); // -5.0 .. 34.9
    return record;
  }
}
