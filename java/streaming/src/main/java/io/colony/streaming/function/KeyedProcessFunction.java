package io.colony.streaming.function;

/**
 * A keyed {@code PROCESS} operator's function: gets the key's state (null at first), the key and a
 * record, emits any records, and returns the key's new state (null clears it). The state is kept
 * per key in checkpoints (Fory-serialized).
 */
@FunctionalInterface
public interface KeyedProcessFunction<K, T, S, O> {
  S process(S state, K key, T record, Collector<O> out) throws Exception;
}
