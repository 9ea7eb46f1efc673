package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.Collector;
import io.colony.streaming.function.KeyedProcessFunction;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Keyed {@code PROCESS}: the function's state per key, kept in checkpoints. */
public final class ProcessLogic implements OperatorLogic {
  private final KeyedProcessFunction<Object, Object, Object, Object> function;
  private HashMap<Object, Object> states = new HashMap<>();
  private Emitter current;
  private final Collector<Object> collector = this::collect;

  @SuppressWarnings("unchecked")
  public ProcessLogic(Object function) {
    this.function = (KeyedProcessFunction<Object, Object, Object, Object>) function;
  }

  @Override
  public void process(Object record, Emitter out) throws Exception {
    List<?> pair = Pairs.of(record, "process");
    current = out;
    Object next = function.process(states.get(pair.get(0)), pair.get(0), pair.get(1), collector);
    if (next == null) {
      states.remove(pair.get(0));
    } else {
      states.put(pair.get(0), next);
    }
  }

  private void collect(Object record) {
    try {
      current.emit(record);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new FlatMapLogic.EmitException(e);
    }
  }

  @Override
  public Object snapshot(long checkpointId) {
    return new HashMap<>(states);
  }

  @Override
  @SuppressWarnings("unchecked")
  public void restore(Object state, long checkpointId) {
    states = state == null ? new HashMap<>() : new HashMap<>((Map<Object, Object>) state);
  }
}
