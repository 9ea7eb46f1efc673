package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.Collector;
import io.colony.streaming.function.ReduceFunction;
import io.colony.streaming.function.WindowFunction;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Keyed count windows with a reduce: tumbling (every {@code size} records of a key) or sliding (the
 * last {@code size} records, every {@code slide}). Emits the reduced value of each fired window.
 */
public final class CountWindowLogic implements OperatorLogic {
  private final ReduceFunction<Object> function;
  private final WindowFunction<Object, Object, Object> apply; // APPLY instead of a reduce
  private final int size;
  private final int slide; // 0: tumbling
  // Per key: the window's records (sliding) or [count, accumulated] (tumbling).
  private HashMap<Object, Object> windows = new HashMap<>();

  @SuppressWarnings("unchecked")
  public CountWindowLogic(Object function, int size, int slide) {
    this(function, false, size, slide);
  }

  /** {@code isApply}: {@code function} is a WindowFunction, called with the window's records. */
  @SuppressWarnings("unchecked")
  public CountWindowLogic(Object function, boolean isApply, int size, int slide) {
    this.function = isApply ? null : (ReduceFunction<Object>) function;
    this.apply = isApply ? (WindowFunction<Object, Object, Object>) function : null;
    this.size = size;
    // APPLY keeps every window's records: a tumbling window is a sliding one sliding by its size.
    this.slide = isApply && slide == 0 ? size : slide;
  }

  @Override
  public void process(Object record, Emitter out) throws Exception {
    List<?> pair = Pairs.of(record, "window");
    if (slide == 0) {
      tumbling(pair.get(0), pair.get(1), out);
    } else {
      sliding(pair.get(0), pair.get(1), out);
    }
  }

  private void tumbling(Object key, Object value, Emitter out) throws Exception {
    Object[] window = (Object[]) windows.get(key);
    if (window == null) {
      window = new Object[] {0L, null};
      windows.put(key, window);
    }
    long count = (Long) window[0] + 1;
    window[1] = count == 1 ? value : function.reduce(window[1], value);
    window[0] = count;
    if (count == size) {
      windows.remove(key);
      out.emit(window[1]);
    }
  }

  @SuppressWarnings("unchecked")
  private void sliding(Object key, Object value, Emitter out) throws Exception {
    Object[] window = (Object[]) windows.get(key);
    if (window == null) {
      window = new Object[] {0L, new ArrayDeque<Object>()};
      windows.put(key, window);
    }
    ArrayDeque<Object> records = (ArrayDeque<Object>) window[1];
    records.addLast(value);
    if (records.size() > size) {
      records.removeFirst();
    }
    long seen = (Long) window[0] + 1;
    window[0] = seen;
    if (seen % slide == 0 && apply != null) {
      List<Object> values = new ArrayList<>(records);
      if (slide == size) {
        records.clear(); // tumbling: the next window starts empty
      }
      List<Object> emitted = new ArrayList<>();
      Collector<Object> collector = emitted::add;
      apply.apply(key, seen - values.size(), seen, values, collector);
      for (Object o : emitted) {
        out.emit(o);
      }
    } else if (seen % slide == 0) {
      Object reduced = null;
      boolean first = true;
      for (Object r : records) {
        reduced = first ? r : function.reduce(reduced, r);
        first = false;
      }
      out.emit(reduced);
    }
  }

  @Override
  public Object snapshot(long checkpointId) {
    Map<Object, Object> copy = new HashMap<>();
    for (Map.Entry<Object, Object> e : windows.entrySet()) {
      Object[] w = (Object[]) e.getValue();
      Object contents = w[1] instanceof ArrayDeque ? new ArrayList<>((ArrayDeque<?>) w[1]) : w[1];
      copy.put(e.getKey(), new Object[] {w[0], contents});
    }
    return copy;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void restore(Object state, long checkpointId) {
    windows = new HashMap<>();
    if (state == null) {
      return;
    }
    for (Map.Entry<Object, Object> e : ((Map<Object, Object>) state).entrySet()) {
      Object[] w = (Object[]) e.getValue();
      Object contents = slide == 0 ? w[1] : new ArrayDeque<>((List<Object>) w[1]);
      windows.put(e.getKey(), new Object[] {w[0], contents});
    }
  }
}
