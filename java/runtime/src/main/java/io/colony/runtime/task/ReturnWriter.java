package io.colony.runtime.task;

import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.serialization.SerializedValue;

/**
 * Turns a task's return value into the {@code ObjectValue} of its reply. The core worker's writer
 * puts large values into shared memory and counts the caller as a borrower of the nested refs; it
 * runs while the executor still holds those refs.
 */
@FunctionalInterface
public interface ReturnWriter {
  /** Every value inline: for tests and tools without a core worker. */
  ReturnWriter INLINE = (returnId, value) -> value.toProto();

  ObjectValue write(byte[] returnId, SerializedValue value);
}
