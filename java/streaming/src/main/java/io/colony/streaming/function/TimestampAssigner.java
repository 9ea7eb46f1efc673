package io.colony.streaming.function;

/** A {@code TIMESTAMPS} operator's function: a record's event time in milliseconds. */
@FunctionalInterface
public interface TimestampAssigner<T> {
  long timestamp(T record) throws Exception;
}
