package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.ReduceFunction;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Keyed {@code REDUCE}: a running value per key; emits the new value for each record. */
public final class ReduceLogic implements OperatorLogic {
  private final ReduceFunction<Object> function;
  private HashMap<Object, Object> values = new HashMap<>();

  @SuppressWarnings("unchecked")
  public ReduceLogic(Object function) {
    this.function = (ReduceFunction<Object>) function;
  }

  @Override
  public void process(Object record, Emitter out) throws Exception {
    List<?> pair = Pairs.of(record, "reduce");
    Object key = pair.get(0);
    Object value = pair.get(1);
    Object previous = values.get(key);
    Object next = previous == null ? value : function.reduce(previous, value);
    values.put(key, next);
    out.emit(next);
  }

  @Override
  public Object snapshot(long checkpointId) {
    return new HashMap<>(values);
  }

  @Override
  @SuppressWarnings("unchecked")
  public void restore(Object state, long checkpointId) {
    values = state == null ? new HashMap<>() : new HashMap<>((Map<Object, Object>) state);
  }
}
