package io.colony.api.function;

/**
 * A remote function with five parameters that returns nothing.
 *
 * <p>For actor methods the first parameter is the actor instance.
 */
@FunctionalInterface
public interface ColonyFuncVoid5<T0, T1, T2, T3, T4> extends ColonyFunc {
  void apply(T0 t0, T1 t1, T2 t2, T3 t3, T4 t4) throws Exception;
}
