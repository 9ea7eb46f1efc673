package xlang;

import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Java tasks that store values with Colony.put and hand the refs to their Python caller. */
public final class PutJob {
  private PutJob() {}

  /** A ref to [0, 1, ..., n-1] as Longs: stored as XLANG, so Python can read it. */
  public static ObjectRef<List<Long>> putRange(long n) {
    List<Long> values = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      values.add(i);
    }
    return Colony.put(values);
  }

  /** A ref to a map holding a ref: both readable from Python. */
  public static ObjectRef<Map<String, Object>> putNested(String name) {
    return Colony.put(Map.of("name", name, "inner", Colony.put(List.of(1L, 2.5, "x"))));
  }

  /** A ref to Integers: not neutral (they would read back as Long), so Java-only. */
  public static ObjectRef<List<Integer>> putIntegers() {
    return Colony.put(List.of(1, 2));
  }
}
