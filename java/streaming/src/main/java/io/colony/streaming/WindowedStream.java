package io.colony.streaming;

import io.colony.streaming.function.ReduceFunction;
import io.colony.streaming.function.WindowFunction;
import io.colony.streaming.plan.FunctionRefs;
import io.colony.streaming.proto.StreamingPlan.FunctionRef;
import io.colony.streaming.proto.StreamingPlan.OperatorKind;
import io.colony.streaming.proto.StreamingPlan.WindowSpec;

/** Windows per key; a reduce over each window's records emits one value per fired window. */
public final class WindowedStream<K, T> {
  private final KeyedStream<K, T> keyed;
  private final WindowSpec window;

  WindowedStream(KeyedStream<K, T> keyed, WindowSpec window) {
    this.keyed = keyed;
    this.window = window;
  }

  static WindowSpec tumblingCount(int size) {
    if (size < 1) {
      throw new IllegalArgumentException("a count window's size must be at least 1, got " + size);
    }
    return WindowSpec.newBuilder().setKind(WindowSpec.Kind.TUMBLING_COUNT).setSize(size).build();
  }

  static WindowSpec slidingCount(int size, int slide) {
    if (size < 1 || slide < 1) {
      throw new IllegalArgumentException(
          "a sliding count window needs size and slide of at least 1, got " + size + ", " + slide);
    }
    return WindowSpec.newBuilder()
        .setKind(WindowSpec.Kind.SLIDING_COUNT)
        .setSize(size)
        .setSlide(slide)
        .build();
  }

  static WindowSpec eventTime(int sizeMs, int slideMs) {
    if (sizeMs < 1) {
      throw new IllegalArgumentException("a time window's size must be at least 1 ms, got " + sizeMs);
    }
    return slideMs == 0
        ? WindowSpec.newBuilder().setKind(WindowSpec.Kind.TUMBLING_EVENT_TIME).setSize(sizeMs).build()
        : WindowSpec.newBuilder()
            .setKind(WindowSpec.Kind.SLIDING_EVENT_TIME)
            .setSize(sizeMs)
            .setSlide(slideMs)
            .build();
  }

  /** One value per key and window: the window's records reduced. */
  public DataStream<T> reduce(Class<? extends ReduceFunction<?>> type, Object... args) {
    return add(FunctionRefs.java(type, ReduceFunction.class, args), type, WindowSpec.Function.REDUCE);
  }

  public DataStream<Object> reduce(PyOperator function) {
    return add(FunctionRefs.python(function), null, WindowSpec.Function.REDUCE);
  }

  /** What {@code apply(key, start, end, values, out)} emits for each key and window. */
  public <O> DataStream<O> apply(Class<? extends WindowFunction<?, ?, O>> type, Object... args) {
    return add(FunctionRefs.java(type, WindowFunction.class, args), type, WindowSpec.Function.APPLY);
  }

  public DataStream<Object> apply(PyOperator function) {
    return add(FunctionRefs.python(function), null, WindowSpec.Function.APPLY);
  }

  private <O> DataStream<O> add(FunctionRef function, Class<?> type, WindowSpec.Function kind) {
    DataStream<O> out = keyed.add(OperatorKind.WINDOW, function, type);
    keyed.context.graph().operator(out.operatorId).setWindow(window.toBuilder().setFunction(kind));
    return out;
  }
}
