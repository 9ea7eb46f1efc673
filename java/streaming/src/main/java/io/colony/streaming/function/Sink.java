package io.colony.streaming.function;

import java.util.List;

/**
 * A two-phase sink: {@link #stage} makes a checkpoint's records durable but invisible, {@link
 * #commit} makes them visible once the checkpoint is complete. With a replayable source the
 * committed output is exactly once.
 */
public interface Sink<T> {
  default void open(int instance, int parallelism) throws Exception {}

  /**
   * Makes {@code records} (those received since the previous checkpoint) durable but invisible.
   *
   * @return a small transaction handle, kept in the checkpoint (Fory-serializable)
   */
  Object stage(long checkpointId, List<T> records) throws Exception;

  /**
   * Makes a staged transaction visible. Must be idempotent: after a restore it is called again for
   * the transactions of the checkpoint restored from, which may be committed already.
   */
  void commit(Object transaction) throws Exception;

  default void close() throws Exception {}

  /**
   * False for a sink that does not need the records themselves (it only counts them, or drops
   * them): {@link #stage} then gets an empty list and the runtime keeps nothing between
   * checkpoints.
   */
  default boolean keepsRecords() {
    return true;
  }
}
