package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.FilterFunction;

/** {@code FILTER}: keeps the records the function accepts. */
public final class FilterLogic implements OperatorLogic {
  private final FilterFunction<Object> function;

  @SuppressWarnings("unchecked")
  public FilterLogic(Object function) {
    this.function = (FilterFunction<Object>) function;
  }

  @Override
  public void process(Object record, Emitter out) throws Exception {
    if (function.filter(record)) {
      out.emit(record);
    }
  }
}
