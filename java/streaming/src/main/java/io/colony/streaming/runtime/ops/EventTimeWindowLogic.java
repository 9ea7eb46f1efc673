package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.Collector;
import io.colony.streaming.function.ReduceFunction;
import io.colony.streaming.function.WindowFunction;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Keyed tumbling or sliding event-time windows ([k*slide, k*slide + size) ms), fired when the
 * watermark reaches {@code end - 1}; a record whose windows all fired already is dropped and
 * counted. Emits per key and window the reduced value, or what the APPLY function emits, each
 * with the event time {@code end - 1}.
 */
public final class EventTimeWindowLogic implements OperatorLogic {
  private final ReduceFunction<Object> reduce;
  private final WindowFunction<Object, Object, Object> apply;
  private final long size;
  private final long slide;
  private final RecordContext context;
  // window start -> key -> reduced value, or the list of values (APPLY)
  private TreeMap<Long, HashMap<Object, Object>> windows = new TreeMap<>();
  private Long watermark;
  private long lateDropped;

  @SuppressWarnings("unchecked")
  public EventTimeWindowLogic(
      Object function, boolean isApply, long size, long slide, RecordContext context) {
    this.reduce = isApply ? null : (ReduceFunction<Object>) function;
    this.apply = isApply ? (WindowFunction<Object, Object, Object>) function : null;
    this.size = size;
    this.slide = slide;
    this.context = context;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void process(Object record, Emitter out) throws Exception {
    List<?> pair = Pairs.of(record, "window");
    if (context.timestamp == null) {
      throw new IllegalArgumentException(
          "an event-time window got a record without event time: assign timestamps before keyBy");
    }
    long ts = context.timestamp;
    boolean placed = false;
    for (long start = ts - Math.floorMod(ts, slide); start > ts - size; start -= slide) {
      if (watermark != null && start + size - 1 <= watermark) {
        continue; // fired already
      }
      placed = true;
      HashMap<Object, Object> perKey = windows.computeIfAbsent(start, s -> new HashMap<>());
      Object key = pair.get(0);
      Object value = pair.get(1);
      if (apply != null) {
        ((List<Object>) perKey.computeIfAbsent(key, k -> new ArrayList<>())).add(value);
      } else {
        Object acc = perKey.get(key);
        perKey.put(key, acc == null ? value : reduce.reduce(acc, value));
      }
    }
    if (!placed) {
      lateDropped++;
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public Long onWatermark(long wm, Emitter out) throws Exception {
    watermark = wm;
    while (!windows.isEmpty() && windows.firstKey() + size - 1 <= wm) {
      Map.Entry<Long, HashMap<Object, Object>> window = windows.pollFirstEntry();
      long start = window.getKey();
      long end = start + size;
      for (Map.Entry<Object, Object> e : window.getValue().entrySet()) {
        context.timestamp = end - 1;
        if (apply != null) {
          List<Object> emitted = new ArrayList<>();
          Collector<Object> collector = emitted::add;
          apply.apply(e.getKey(), start, end, (List<Object>) e.getValue(), collector);
          for (Object o : emitted) {
            out.emit(o);
          }
        } else {
          out.emit(e.getValue());
        }
      }
    }
    return wm;
  }

  @Override
  public long lateDropped() {
    return lateDropped;
  }

  @Override
  @SuppressWarnings("unchecked")
  public Object snapshot(long checkpointId) {
    TreeMap<Long, HashMap<Object, Object>> copy = new TreeMap<>();
    for (Map.Entry<Long, HashMap<Object, Object>> w : windows.entrySet()) {
      HashMap<Object, Object> perKey = new HashMap<>();
      for (Map.Entry<Object, Object> e : w.getValue().entrySet()) {
        Object v = e.getValue();
        perKey.put(e.getKey(), apply != null ? new ArrayList<>((List<Object>) v) : v);
      }
      copy.put(w.getKey(), perKey);
    }
    return new Object[] {copy, watermark};
  }

  @Override
  @SuppressWarnings("unchecked")
  public void restore(Object state, long checkpointId) {
    if (state == null) {
      return;
    }
    Object[] s = (Object[]) state;
    windows = (TreeMap<Long, HashMap<Object, Object>>) s[0];
    watermark = (Long) s[1];
  }
}
