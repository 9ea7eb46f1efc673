package io.colony.streaming;

import io.colony.streaming.function.ReduceFunction;
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

  public DataStream<T> reduce(Class<? extends ReduceFunction<?>> type, Object... args) {
    return add(FunctionRefs.java(type, ReduceFunction.class, args), type);
  }

  public DataStream<Object> reduce(PyOperator function) {
    return add(FunctionRefs.python(function), null);
  }

  private <O> DataStream<O> add(FunctionRef function, Class<?> type) {
    DataStream<O> out = keyed.add(OperatorKind.WINDOW, function, type);
    keyed.context.graph().operator(out.operatorId).setWindow(
        window.toBuilder().setFunction(WindowSpec.Function.REDUCE));
    return out;
  }
}
