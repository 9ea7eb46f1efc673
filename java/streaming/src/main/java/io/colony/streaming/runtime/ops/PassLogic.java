package io.colony.streaming.runtime.ops;

/** {@code UNION}: records pass unchanged. */
public final class PassLogic implements OperatorLogic {
  @Override
  public void process(Object record, Emitter out) throws Exception {
    out.emit(record);
  }
}
