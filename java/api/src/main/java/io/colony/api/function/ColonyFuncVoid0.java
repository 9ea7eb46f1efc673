package io.colony.api.function;

/** A remote function with no parameters that returns nothing. */
@FunctionalInterface
public interface ColonyFuncVoid0 extends ColonyFunc {
  void apply() throws Exception;
}
