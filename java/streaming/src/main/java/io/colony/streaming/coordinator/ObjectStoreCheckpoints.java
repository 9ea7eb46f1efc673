package io.colony.streaming.coordinator;

import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Checkpoints in the object store, owned by the driver (CheckpointConfig.OBJECT_STORE): they live as
 * long as the driver, so a restart within the job finds them, a new driver does not.
 */
final class ObjectStoreCheckpoints implements CheckpointStore {
  private long id = -1;
  private ObjectRef<HashMap<String, byte[]>> ref;

  @Override
  public synchronized void save(long checkpointId, Map<String, byte[]> states) {
    ref = Colony.put(new HashMap<>(states));
    id = checkpointId;
  }

  @Override
  public synchronized Optional<Checkpoint> latest() {
    if (ref == null) {
      return Optional.empty();
    }
    return Optional.of(new Checkpoint(id, Colony.get(ref)));
  }
}
