package io.colony.streaming.function;

import java.util.Iterator;

/**
 * A {@code GENERATOR} source: the records of one instance. The offset is the number of records
 * taken; on restore the iterator is made again and that many skipped, so it must be deterministic.
 */
@FunctionalInterface
public interface GeneratorFunction<T> {
  Iterator<T> generate(int instance, int parallelism) throws Exception;
}
