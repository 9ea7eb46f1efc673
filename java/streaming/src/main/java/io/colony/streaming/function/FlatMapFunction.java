package io.colony.streaming.function;

/** A {@code FLAT_MAP} operator's function: zero or more records out per record in. */
@FunctionalInterface
public interface FlatMapFunction<I, O> {
  void flatMap(I record, Collector<O> out) throws Exception;
}
