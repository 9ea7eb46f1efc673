package io.colony.streaming.function;

/**
 * A {@code MAP} operator's function: one record in, one out. Implementations are public classes
 * with a public no-argument constructor (or one taking the arguments given to the builder), since
 * operator actors create them by class name in their own JVM.
 */
@FunctionalInterface
public interface MapFunction<I, O> {
  O map(I record) throws Exception;
}
