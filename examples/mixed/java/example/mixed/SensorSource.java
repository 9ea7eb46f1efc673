package example.mixed;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** A Java actor producing sensor readings in batches, like a stream source operator. */
public class SensorSource {
  private final String[] sensors;
  private final Random random;
  private long sequence;

  public SensorSource(List<String> sensors, long seed) {
    this.sensors = sensors.toArray(new String[0]);
    this.random = new Random(seed);
  }

  /** The next batch: maps with sensor, sequence number and a temperature in Celsius. */
  public List<Map<String, Object>> nextBatch(int size) {
    List<Map<String, Object>> batch = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      Map<String, Object> record = new LinkedHashMap<>();
      record.put("sensor", sensors[random.nextInt(sensors.length)]);
      record.put("seq", sequence++);
      record.put("celsius", Math.round((15 + random.nextGaussian() * 8) * 10) / 10.0);
      batch.add(record);
    }
    return batch;
  }
}
