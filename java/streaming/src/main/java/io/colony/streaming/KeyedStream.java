package io.colony.streaming;

import io.colony.streaming.function.ReduceFunction;
import io.colony.streaming.plan.FunctionRefs;
import io.colony.streaming.proto.StreamingPlan.OperatorKind;

/** A stream partitioned by key: each key's records reach one instance of the next operator. */
public final class KeyedStream<K, T> extends DataStream<T> {
  KeyedStream(StreamingContext context, String operatorId) {
    super(context, operatorId);
  }

  /** A running reduce per key: emits the new accumulated value for each record. */
  public DataStream<T> reduce(Class<? extends ReduceFunction<?>> type, Object... args) {
    return add(OperatorKind.REDUCE, FunctionRefs.java(type, ReduceFunction.class, args), type);
  }

  public DataStream<Object> reduce(PyOperator function) {
    return add(OperatorKind.REDUCE, FunctionRefs.python(function), null);
  }

  /** Tumbling count windows: every {@code size} records of a key. */
  public WindowedStream<K, T> countWindow(int size) {
    return new WindowedStream<>(this, WindowedStream.tumblingCount(size));
  }

  /** Sliding count windows: the last {@code size} records of a key, every {@code slide}. */
  public WindowedStream<K, T> countWindow(int size, int slide) {
    return new WindowedStream<>(this, WindowedStream.slidingCount(size, slide));
  }
}
