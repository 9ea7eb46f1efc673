package io.colony.api.function;

/**
 * A remote function with four parameters that returns nothing.
 *
 * <p>For actor methods the first parameter is the actor instance.
 */
@FunctionalInterface
public interface ColonyFuncVoid4<T0, T1, T2, T3> extends ColonyFunc {
  void apply(T0 t0, T1 t1, T2 t2, T3 t3) throws Exception;
}
