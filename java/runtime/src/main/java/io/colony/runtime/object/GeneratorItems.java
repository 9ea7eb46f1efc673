package io.colony.runtime.object;

/**
 * The caller side of streaming tasks in the core worker (its generator tracker), as {@link
 * ObjectRefGeneratorImpl} needs it; a fake in unit tests.
 */
public interface GeneratorItems {
  /** What {@link #next} found. */
  enum Kind {
    ITEM,
    END,
    TIMED_OUT,
    UNKNOWN
  }

  /** Item {@code index}'s id (for {@link Kind#ITEM}) and what was found. */
  record Next(Kind kind, byte[] itemId) {}

  /** Waits up to {@code timeoutMs} for item {@code index} of the task. */
  Next next(byte[] taskId, long index, long timeoutMs);

  /** The language holds its own ref to item {@code index} now. */
  void consumed(byte[] taskId, long index);

  /** No more items wanted; {@code forget}: end the tracking too. */
  void stop(byte[] taskId, boolean forget);
}
