package io.colony.streaming;

import io.colony.runtime.generated.Common.Language;
import io.colony.streaming.function.FilterFunction;
import io.colony.streaming.function.FlatMapFunction;
import io.colony.streaming.function.KeySelector;
import io.colony.streaming.function.MapFunction;
import io.colony.streaming.function.Sink;
import io.colony.streaming.function.TimestampAssigner;
import io.colony.streaming.plan.FunctionRefs;
import io.colony.streaming.proto.StreamingPlan.FunctionRef;
import io.colony.streaming.proto.StreamingPlan.Operator;
import io.colony.streaming.proto.StreamingPlan.OperatorKind;
import io.colony.streaming.proto.StreamingPlan.TimestampSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * The records one operator emits, to which the next operators are added. Each method adds an
 * operator and returns its output; {@link #parallelism} and {@link #name} set the last one's.
 */
public class DataStream<T> {
  final StreamingContext context;
  final String operatorId;

  DataStream(StreamingContext context, String operatorId) {
    this.context = context;
    this.operatorId = operatorId;
  }

  /** Runs this stream's operator as {@code n} instances (actors). */
  public DataStream<T> parallelism(int n) {
    if (n < 1) {
      throw new IllegalArgumentException("parallelism must be at least 1, got " + n);
    }
    Operator.Builder op = context.graph().operator(operatorId);
    op.setParallelism(n);
    return this;
  }

  /** Names this stream's operator in metrics and logs. */
  public DataStream<T> name(String name) {
    context.graph().operator(operatorId).setName(name);
    return this;
  }

  public <O> DataStream<O> map(Class<? extends MapFunction<?, O>> type, Object... args) {
    return add(OperatorKind.MAP, FunctionRefs.java(type, MapFunction.class, args), type);
  }

  public DataStream<Object> map(PyOperator function) {
    return add(OperatorKind.MAP, FunctionRefs.python(function), null);
  }

  public <O> DataStream<O> flatMap(Class<? extends FlatMapFunction<?, O>> type, Object... args) {
    return add(OperatorKind.FLAT_MAP, FunctionRefs.java(type, FlatMapFunction.class, args), type);
  }

  public DataStream<Object> flatMap(PyOperator function) {
    return add(OperatorKind.FLAT_MAP, FunctionRefs.python(function), null);
  }

  public DataStream<T> filter(Class<? extends FilterFunction<?>> type, Object... args) {
    return add(OperatorKind.FILTER, FunctionRefs.java(type, FilterFunction.class, args), type);
  }

  public DataStream<T> filter(PyOperator function) {
    return add(OperatorKind.FILTER, FunctionRefs.python(function), null);
  }

  /**
   * Gives each record its event time (ms) and makes watermarks, {@code max event time seen -
   * maxOutOfOrdernessMs}: what event-time windows fire on.
   */
  public DataStream<T> assignTimestamps(
      Class<? extends TimestampAssigner<?>> type, int maxOutOfOrdernessMs, Object... args) {
    return timestamps(
        add(OperatorKind.TIMESTAMPS, FunctionRefs.java(type, TimestampAssigner.class, args), type),
        maxOutOfOrdernessMs);
  }

  public DataStream<T> assignTimestamps(PyOperator function, int maxOutOfOrdernessMs) {
    return timestamps(add(OperatorKind.TIMESTAMPS, FunctionRefs.python(function), null), maxOutOfOrdernessMs);
  }

  private DataStream<T> timestamps(DataStream<T> stream, int maxOutOfOrdernessMs) {
    if (maxOutOfOrdernessMs < 0) {
      throw new IllegalArgumentException(
          "maxOutOfOrdernessMs must be >= 0, got " + maxOutOfOrdernessMs);
    }
    context.graph().operator(stream.operatorId).setTimestamps(
        TimestampSpec.newBuilder().setMaxOutOfOrdernessMs(maxOutOfOrdernessMs));
    return stream;
  }

  /** Partitions by key: the keyed operators after it see each key in one instance. */
  public <K> KeyedStream<K, T> keyBy(Class<? extends KeySelector<?, K>> type, Object... args) {
    DataStream<T> keyed =
        add(OperatorKind.KEY_BY, FunctionRefs.java(type, KeySelector.class, args), type);
    return new KeyedStream<>(context, keyed.operatorId);
  }

  public KeyedStream<Object, T> keyBy(PyOperator function) {
    DataStream<T> keyed = add(OperatorKind.KEY_BY, FunctionRefs.python(function), null);
    return new KeyedStream<>(context, keyed.operatorId);
  }

  /** Merges this stream with others of the same record type, records unchanged. */
  @SafeVarargs
  public final DataStream<T> union(DataStream<T>... others) {
    List<String> upstreams = new ArrayList<>();
    upstreams.add(operatorId);
    for (DataStream<T> other : others) {
      if (other.context != context) {
        throw new IllegalArgumentException("union() of streams of different StreamingContexts");
      }
      upstreams.add(other.operatorId);
    }
    Operator.Builder op =
        Operator.newBuilder()
            .setKind(OperatorKind.UNION)
            .setLanguage(Language.JAVA)
            .setName("union")
            .setParallelism(context.defaultParallelism());
    return new DataStream<>(context, context.graph().add(op, upstreams));
  }

  /** Ends the stream in a two-phase sink ({@code FileSink.class, folder}, ...). */
  @SuppressWarnings("rawtypes")
  public StreamingContext sink(Class<? extends Sink> type, Object... args) {
    add(OperatorKind.SINK, FunctionRefs.java(type, Sink.class, args), type);
    return context;
  }

  /** A Python sink class ({@code module}, {@code name}: a colony.streaming Sink). */
  public StreamingContext sink(PyOperator sink) {
    add(OperatorKind.SINK, FunctionRefs.python(sink), null);
    return context;
  }

  <O> DataStream<O> add(OperatorKind kind, FunctionRef function, Class<?> type) {
    Operator.Builder op =
        Operator.newBuilder()
            .setKind(kind)
            .setLanguage(function.getLanguage())
            .setFunction(function)
            .setName(
                type != null
                    ? type.getSimpleName()
                    : function.getModule() + "." + function.getName())
            .setParallelism(parallelismAfter(kind));
    return new DataStream<>(context, context.graph().add(op, List.of(operatorId)));
  }

  /** Stateless operators follow their input's parallelism (so they chain); keyed ones the job's. */
  private int parallelismAfter(OperatorKind kind) {
    int upstream = context.graph().operator(operatorId).getParallelism();
    switch (kind) {
      case REDUCE:
      case WINDOW:
      case PROCESS:
      case SINK:
        return context.defaultParallelism();
      default:
        return upstream;
    }
  }
}
