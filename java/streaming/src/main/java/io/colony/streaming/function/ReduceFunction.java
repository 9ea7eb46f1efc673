package io.colony.streaming.function;

/**
 * A keyed {@code REDUCE} (running, one output per record) or count-window reduce: combines the
 * accumulated value of a key with its next record.
 */
@FunctionalInterface
public interface ReduceFunction<T> {
  T reduce(T accumulated, T record) throws Exception;
}
