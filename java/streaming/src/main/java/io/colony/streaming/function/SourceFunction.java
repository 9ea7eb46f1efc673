package io.colony.streaming.function;

import java.util.List;

/**
 * A source with replayable offsets ({@code SourceSpec.FUNCTION}). Each source instance has its own
 * copy. After a failure the job reopens it at the offset recorded by the last complete checkpoint,
 * so the records after it are read again: reading must be deterministic from an offset.
 */
public interface SourceFunction<T> {
  /**
   * Starts reading this instance's share.
   *
   * @param offset what {@link #offset()} returned at the checkpoint restored from, or null to start
   *     from the beginning
   */
  void open(int instance, int parallelism, Object offset) throws Exception;

  /**
   * Up to {@code maxRecords} records ({@code List.of()} if none is ready yet), or null once this
   * instance's input is exhausted.
   */
  List<T> read(int maxRecords) throws Exception;

  /** The position just after the last record {@link #read} returned (kept in checkpoints). */
  Object offset();

  default void close() throws Exception {}
}
