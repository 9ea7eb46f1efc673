package io.colony.api.function;

/**
 * A remote function with six parameters that returns a value.
 *
 * <p>For actor methods the first parameter is the actor instance.
 */
@FunctionalInterface
public interface ColonyFunc6<T0, T1, T2, T3, T4, T5, R> extends ColonyFunc {
  R apply(T0 t0, T1 t1, T2 t2, T3 t3, T4 t4, T5 t5) throws Exception;
}
