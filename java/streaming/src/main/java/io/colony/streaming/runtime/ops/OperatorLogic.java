package io.colony.streaming.runtime.ops;

/**
 * One operator of a chain, run by the instance's thread only. State is what {@link #snapshot}
 * returns (Fory-serialized into the checkpoint) and {@link #restore} gets back.
 */
public interface OperatorLogic {
  void process(Object record, Emitter out) throws Exception;

  /** The operator's state at a checkpoint barrier (null: stateless); sinks stage here. */
  default Object snapshot(long checkpointId) throws Exception {
    return null;
  }

  /** Called before any record with what {@link #snapshot} returned at the restored checkpoint. */
  default void restore(Object state, long checkpointId) throws Exception {}

  /** The checkpoint is complete everywhere (sinks commit their staged transactions). */
  default void commit(long checkpointId) throws Exception {}

  default void close() throws Exception {}

  /**
   * The input watermark advanced: fire what it completes into {@code out}; returns the watermark to
   * pass on to the next operators (null: swallow it, as {@code TIMESTAMPS} does).
   */
  default Long onWatermark(long watermark, Emitter out) throws Exception {
    return watermark;
  }

  /** A watermark this operator made while processing ({@code TIMESTAMPS}), once; else null. */
  default Long takeWatermark() {
    return null;
  }

  /** Records dropped for arriving after their window fired. */
  default long lateDropped() {
    return 0;
  }
}
