package io.colony.streaming;

import io.colony.streaming.function.KeyedProcessFunction;
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

  /**
   * Keyed state: {@code process(state, key, record, out)} returns the key's new state (kept in
   * checkpoints) and emits any records.
   */
  public <O> DataStream<O> process(
      Class<? extends KeyedProcessFunction<?, ?, ?, O>> type, Object... args) {
    return add(OperatorKind.PROCESS, FunctionRefs.java(type, KeyedProcessFunction.class, args), type);
  }

  public DataStream<Object> process(PyOperator function) {
    return add(OperatorKind.PROCESS, FunctionRefs.python(function), null);
  }

  /** Tumbling event-time windows of {@code sizeMs} (needs assignTimestamps before keyBy). */
  public WindowedStream<K, T> timeWindow(int sizeMs) {
    return new WindowedStream<>(this, WindowedStream.eventTime(sizeMs, 0));
  }

  /** Sliding event-time windows of {@code sizeMs}, one starting every {@code slideMs}. */
  public WindowedStream<K, T> timeWindow(int sizeMs, int slideMs) {
    if (slideMs < 1) {
      throw new IllegalArgumentException("a sliding window's slide must be at least 1, got " + slideMs);
    }
    return new WindowedStream<>(this, WindowedStream.eventTime(sizeMs, slideMs));
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
