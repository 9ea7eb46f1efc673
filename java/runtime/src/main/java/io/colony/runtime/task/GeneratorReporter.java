package io.colony.runtime.task;

import io.colony.runtime.generated.Common.ObjectValue;

/**
 * Sends the items of the streaming task running on the calling thread to its caller, one at a
 * time: the core worker's {@code ReportGeneratorItem}, which waits while the caller's
 * back-pressure window is full.
 */
@FunctionalInterface
public interface GeneratorReporter {
  /** For tests and tools without a core worker: streaming tasks fail. */
  GeneratorReporter NONE =
      (index, item) -> {
        throw new IllegalStateException("this worker cannot run streaming tasks");
      };

  /**
   * Reports item {@code index} (0-based), prepared as return {@code index + 2}.
   *
   * @return true when the caller wants no more items
   */
  boolean report(long index, ObjectValue item);
}
