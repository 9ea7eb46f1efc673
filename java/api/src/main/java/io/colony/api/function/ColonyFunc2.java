package io.colony.api.function;

/**
 * A remote function with two parameters that returns a value.
 *
 * <p>For actor methods the first parameter is the actor instance.
 */
@FunctionalInterface
public interface ColonyFunc2<T0, T1, R> extends ColonyFunc {
  R apply(T0 t0, T1 t1) throws Exception;
}
