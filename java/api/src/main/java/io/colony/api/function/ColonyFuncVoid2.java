package io.colony.api.function;

/**
 * A remote function with two parameters that returns nothing.
 *
 * <p>For actor methods the first parameter is the actor instance.
 */
@FunctionalInterface
public interface ColonyFuncVoid2<T0, T1> extends ColonyFunc {
  void apply(T0 t0, T1 t1) throws Exception;
}
