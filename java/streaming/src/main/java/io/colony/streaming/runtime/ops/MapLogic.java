package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.MapFunction;

/** {@code MAP}: one record out per record in. */
public final class MapLogic implements OperatorLogic {
  private final MapFunction<Object, Object> function;

  @SuppressWarnings("unchecked")
  public MapLogic(Object function) {
    this.function = (MapFunction<Object, Object>) function;
  }

  @Override
  public void process(Object record, Emitter out) throws Exception {
    out.emit(function.map(record));
  }
}
