package io.colony.streaming.coordinator;

import java.util.Map;
import java.util.Optional;

/** Where complete checkpoints are kept: each instance's state, by instance key. */
public interface CheckpointStore {
  /** A complete checkpoint: its id and the state of every instance ({@code <chain>:<instance>}). */
  record Checkpoint(long id, Map<String, byte[]> states) {}

  /** Keeps checkpoint {@code id}; once this returns, it is the one a restart restores. */
  void save(long id, Map<String, byte[]> states) throws Exception;

  /** The last saved checkpoint, if any. */
  Optional<Checkpoint> latest() throws Exception;
}
