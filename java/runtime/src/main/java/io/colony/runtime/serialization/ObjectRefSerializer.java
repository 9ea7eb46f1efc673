package io.colony.runtime.serialization;

import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.object.ReferenceTracker;
import java.util.List;
import java.util.function.Supplier;
import org.apache.fory.Fory;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.serializer.Serializer;

/**
 * Writes a ref as (object ID, owner address) and records it as nested in the value being
 * serialized; a ref read back is registered as borrowed with the core worker.
 */
final class ObjectRefSerializer extends Serializer<ObjectRefImpl<?>> {
  private final Supplier<List<ObjectRefImpl<?>>> collector;
  private final ReferenceTracker tracker;

  @SuppressWarnings("unchecked")
  ObjectRefSerializer(
      Fory fory, Supplier<List<ObjectRefImpl<?>>> collector, ReferenceTracker tracker) {
    super(fory, (Class<ObjectRefImpl<?>>) (Class<?>) ObjectRefImpl.class);
    this.collector = collector;
    this.tracker = tracker;
  }

  @Override
  public void write(MemoryBuffer buffer, ObjectRefImpl<?> ref) {
    Bytes.write(buffer, ref.id());
    Bytes.write(buffer, ref.ownerAddress());
    List<ObjectRefImpl<?>> nested = collector.get();
    if (nested != null) {
      nested.add(ref);
    }
  }

  @Override
  public ObjectRefImpl<?> read(MemoryBuffer buffer) {
    byte[] id = Bytes.read(buffer);
    byte[] owner = Bytes.read(buffer);
    // The ref (with its local count) before the registration: see ReferenceTracker.
    ObjectRefImpl<?> ref = new ObjectRefImpl<>(id, owner, tracker);
    tracker.registerBorrowedRef(id, owner);
    return ref;
  }
}
