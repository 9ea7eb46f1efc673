package io.colony.runtime.object;

import io.colony.api.ObjectRef;
import java.lang.ref.Cleaner;
import java.util.Arrays;

/**
 * The runtime's {@link ObjectRef}: an object ID plus its owner's address (a serialized {@code
 * Address} proto). Counts as one local reference in the core worker from construction until it
 * becomes unreachable.
 */
public final class ObjectRefImpl<T> implements ObjectRef<T> {
  // One daemon thread for the whole process; releases run there, never on a task thread.
  private static final Cleaner CLEANER = Cleaner.create();

  private final byte[] id;
  private final byte[] ownerAddress;
  private final Class<?> resultType;

  public ObjectRefImpl(byte[] id, byte[] ownerAddress, ReferenceTracker tracker) {
    this(id, ownerAddress, tracker, null);
  }

  /**
   * @param resultType for the result of a call to another language: what its XLANG value is
   *     converted to when read ({@code PyFunction.getReturnType()}); null for none. It stays with
   *     this instance only (refs passed elsewhere do not carry it).
   */
  public ObjectRefImpl(
      byte[] id, byte[] ownerAddress, ReferenceTracker tracker, Class<?> resultType) {
    if (id.length != ObjectIds.OBJECT_ID_SIZE) {
      throw new IllegalArgumentException(
          "an object ID has " + ObjectIds.OBJECT_ID_SIZE + " bytes, got " + id.length);
    }
    this.id = id.clone();
    this.ownerAddress = ownerAddress.clone();
    this.resultType = resultType;
    if (tracker.isTracking()) {
      tracker.addLocalRef(this.id);
      CLEANER.register(this, new Release(tracker, this.id));
    }
  }

  public byte[] id() {
    return id.clone();
  }

  public byte[] ownerAddress() {
    return ownerAddress.clone();
  }

  /** What an XLANG value read through this ref is converted to, or null. */
  public Class<?> resultType() {
    return resultType;
  }

  @Override
  public String getId() {
    return ObjectIds.hex(id);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ObjectRefImpl && Arrays.equals(id, ((ObjectRefImpl<?>) other).id);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(id);
  }

  @Override
  public String toString() {
    return "ObjectRef(" + getId() + ")";
  }

  /** Must not refer to the ref itself, or it would never become unreachable. */
  private static final class Release implements Runnable {
    private final ReferenceTracker tracker;
    private final byte[] id;

    Release(ReferenceTracker tracker, byte[] id) {
      this.tracker = tracker;
      this.id = id;
    }

    @Override
    public void run() {
      tracker.removeLocalRef(id);
    }
  }
}
