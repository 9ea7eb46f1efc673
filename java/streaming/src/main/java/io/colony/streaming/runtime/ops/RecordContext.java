package io.colony.streaming.runtime.ops;

/**
 * The event time of the record being processed (null: none), shared by an instance's operators:
 * records an operator emits carry it on; {@code TIMESTAMPS} sets it, windows set a fired window's
 * {@code end - 1}.
 */
public final class RecordContext {
  public Long timestamp;
}
