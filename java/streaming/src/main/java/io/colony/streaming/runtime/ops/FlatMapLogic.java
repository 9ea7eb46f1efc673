package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.Collector;
import io.colony.streaming.function.FlatMapFunction;

/** {@code FLAT_MAP}: zero or more records out per record in. */
public final class FlatMapLogic implements OperatorLogic {
  private final FlatMapFunction<Object, Object> function;
  private Emitter current;
  private final Collector<Object> collector = this::collect;

  @SuppressWarnings("unchecked")
  public FlatMapLogic(Object function) {
    this.function = (FlatMapFunction<Object, Object>) function;
  }

  @Override
  public void process(Object record, Emitter out) throws Exception {
    current = out;
    function.flatMap(record, collector);
  }

  private void collect(Object record) {
    try {
      current.emit(record);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new EmitException(e);
    }
  }

  /** A checked failure downstream, carried through Collector.collect (which throws none). */
  public static final class EmitException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public EmitException(Exception cause) {
      super(cause);
    }
  }
}
