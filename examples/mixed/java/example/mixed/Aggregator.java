package example.mixed;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A Java actor aggregating transformed records per sensor, like a stream sink operator. */
public class Aggregator {
  private final Map<String, double[]> stats = new TreeMap<>(); // sensor -> {count, sum, max}

  public long add(List<Map<String, Object>> records) {
    for (Map<String, Object> r : records) {
      double f = ((Number) r.get("fahrenheit")).doubleValue();
      double[] s = stats.computeIfAbsent((String) r.get("sensor"), k -> new double[] {0, 0, -1e9});
      s[0] += 1;
      s[1] += f;
      s[2] = Math.max(s[2], f);
    }
    return records.size();
  }

  /** Per sensor: count, mean and max in Fahrenheit. */
  public Map<String, Map<String, Object>> summary() {
    Map<String, Map<String, Object>> out = new TreeMap<>();
    stats.forEach((sensor, s) -> {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("count", (long) s[0]);
      row.put("mean_f", Math.round(s[1] / s[0] * 10) / 10.0);
      row.put("max_f", s[2]);
      out.put(sensor, row);
    });
    return out;
  }
}
