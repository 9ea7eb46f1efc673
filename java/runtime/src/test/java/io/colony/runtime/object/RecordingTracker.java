package io.colony.runtime.object;

import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

/** Records what a deserializer reports, as "event:hex" strings. */
public final class RecordingTracker implements ReferenceTracker {
  public final List<String> events = new ArrayList<>();
  private final boolean tracking;

  /**
   * @param tracking whether refs register a cleaner (false: the test decides when they die)
   */
  public RecordingTracker(boolean tracking) {
    this.tracking = tracking;
  }

  public RecordingTracker() {
    this(false);
  }

  @Override
  public boolean isTracking() {
    return tracking;
  }

  @Override
  public synchronized void addLocalRef(byte[] objectId) {
    events.add("add:" + hex(objectId));
  }

  @Override
  public synchronized void removeLocalRef(byte[] objectId) {
    events.add("remove:" + hex(objectId));
  }

  @Override
  public synchronized void registerBorrowedRef(byte[] objectId, byte[] ownerAddress) {
    events.add("borrow:" + hex(objectId) + "@" + hex(ownerAddress));
  }

  @Override
  public synchronized void registerActorHandle(
      byte[] actorId, int maxPendingCalls, int maxTaskRetries) {
    events.add("actor:" + hex(actorId) + "/" + maxPendingCalls + "/" + maxTaskRetries);
  }

  private static String hex(byte[] bytes) {
    return HexFormat.of().formatHex(bytes);
  }
}
