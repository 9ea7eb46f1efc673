package io.colony.api.function;

/**
 * A remote function with three parameters that returns nothing.
 *
 * <p>For actor methods the first parameter is the actor instance.
 */
@FunctionalInterface
public interface ColonyFuncVoid3<T0, T1, T2> extends ColonyFunc {
  void apply(T0 t0, T1 t1, T2 t2) throws Exception;
}
