package io.colony.api.function;

/** A remote function with no parameters that returns a value. */
@FunctionalInterface
public interface ColonyFunc0<R> extends ColonyFunc {
  R apply() throws Exception;
}
