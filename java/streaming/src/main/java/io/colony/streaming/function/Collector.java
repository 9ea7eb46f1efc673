package io.colony.streaming.function;

/** Where a function emits its records (valid during the call only). */
@FunctionalInterface
public interface Collector<T> {
  void collect(T record);
}
