package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.KeySelector;
import java.util.ArrayList;
import java.util.List;

/** {@code KEY_BY}: emits {@code [key, record]} pairs, for a {@code KEY_HASH} edge. */
public final class KeyByLogic implements OperatorLogic {
  private final KeySelector<Object, Object> function;

  @SuppressWarnings("unchecked")
  public KeyByLogic(Object function) {
    this.function = (KeySelector<Object, Object>) function;
  }

  @Override
  public void process(Object record, Emitter out) throws Exception {
    List<Object> pair = new ArrayList<>(2);
    pair.add(function.key(record));
    pair.add(record);
    out.emit(pair);
  }
}
