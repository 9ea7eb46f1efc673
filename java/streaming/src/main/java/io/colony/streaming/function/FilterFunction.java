package io.colony.streaming.function;

/** A {@code FILTER} operator's function: keeps the records it accepts. */
@FunctionalInterface
public interface FilterFunction<T> {
  boolean filter(T record) throws Exception;
}
