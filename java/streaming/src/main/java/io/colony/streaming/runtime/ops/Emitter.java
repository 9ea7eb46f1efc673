package io.colony.streaming.runtime.ops;

/** Where an operator sends its output: the next operator of the chain, or the channels. */
@FunctionalInterface
public interface Emitter {
  void emit(Object record) throws Exception;
}
