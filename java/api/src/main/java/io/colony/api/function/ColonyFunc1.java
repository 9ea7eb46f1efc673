package io.colony.api.function;

/**
 * A remote function with one parameter that returns a value.
 *
 * <p>For actor methods the first parameter is the actor instance.
 */
@FunctionalInterface
public interface ColonyFunc1<T0, R> extends ColonyFunc {
  R apply(T0 t0) throws Exception;
}
