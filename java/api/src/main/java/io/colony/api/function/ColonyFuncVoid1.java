package io.colony.api.function;

/**
 * A remote function with one parameter that returns nothing.
 *
 * <p>For actor methods the first parameter is the actor instance.
 */
@FunctionalInterface
public interface ColonyFuncVoid1<T0> extends ColonyFunc {
  void apply(T0 t0) throws Exception;
}
