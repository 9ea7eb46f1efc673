package example.mixed;

import io.colony.streaming.function.ReduceFunction;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A Java keyed reduce: merges two per-sensor summaries ({@code count}, {@code hot}, {@code sum_f},
 * {@code max_f}). The Python map turns each reading into a summary of one, so the accumulated value
 * and the next record have the same shape, as a reduce needs.
 */
public class SensorStats implements ReduceFunction<Map<String, Object>> {
  @Override
  public Map<String, Object> reduce(Map<String, Object> acc, Map<String, Object> record) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("sensor", acc.get("sensor"));
    out.put("count", number(acc, "count").longValue() + number(record, "count").longValue());
    out.put("hot", number(acc, "hot").longValue() + number(record, "hot").longValue());
    out.put("sum_f", number(acc, "sum_f").doubleValue() + number(record, "sum_f").doubleValue());
    out.put("max_f",
        Math.max(number(acc, "max_f").doubleValue(), number(record, "max_f").doubleValue()));
    return out;
  }

  private static Number number(Map<String, Object> summary, String field) {
    Object value = summary.get(field);
    if (!(value instanceof Number)) {
      throw new IllegalArgumentException(
          "SensorStats: field '" + field + "' is not a number in " + summary);
    }
    return (Number) value;
  }
}
