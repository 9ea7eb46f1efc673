package io.colony.streaming.function;

import java.util.List;

/**
 * A window's {@code APPLY} function: the key, the window's bounds and all its records. Bounds are
 * event-time milliseconds [start, end), or for count windows the key's record counts before and
 * after the window.
 */
@FunctionalInterface
public interface WindowFunction<K, T, O> {
  void apply(K key, long start, long end, List<T> values, Collector<O> out) throws Exception;
}
