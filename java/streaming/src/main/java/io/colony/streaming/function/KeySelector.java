package io.colony.streaming.function;

/**
 * A {@code KEY_BY} operator's function: the key of a record. Keys must have an XLANG form (String,
 * Long, Integer, byte[], lists of them, ...): the downstream instance is {@code
 * crc32(xlang(key)) mod parallelism}, the same in Python and Java.
 */
@FunctionalInterface
public interface KeySelector<T, K> {
  K key(T record) throws Exception;
}
