package io.colony.runtime.serialization;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.object.ReferenceTracker;
import org.apache.fory.Fory;
import org.apache.fory.memory.MemoryBuffer;
import org.apache.fory.serializer.Serializer;

/**
 * Writes a handle's ID, language, class and submit limits; a handle read back is registered as a
 * caller.
 */
final class ActorHandleSerializer extends Serializer<ActorHandleImpl<?>> {
  private final ReferenceTracker tracker;

  @SuppressWarnings("unchecked")
  ActorHandleSerializer(Fory fory, ReferenceTracker tracker) {
    super(fory, (Class<ActorHandleImpl<?>>) (Class<?>) ActorHandleImpl.class);
    this.tracker = tracker;
  }

  @Override
  public void write(MemoryBuffer buffer, ActorHandleImpl<?> handle) {
    Bytes.write(buffer, handle.actorId());
    buffer.writeVarUint32(handle.language().getNumber());
    Bytes.write(buffer, handle.className().getBytes(UTF_8));
    Bytes.write(buffer, handle.moduleName().getBytes(UTF_8));
    buffer.writeInt32(handle.maxPendingCalls());
    buffer.writeInt32(handle.maxTaskRetries());
  }

  @Override
  public ActorHandleImpl<?> read(MemoryBuffer buffer) {
    byte[] actorId = Bytes.read(buffer);
    Language language = Language.forNumber(buffer.readVarUint32());
    String className = new String(Bytes.read(buffer), UTF_8);
    String moduleName = new String(Bytes.read(buffer), UTF_8);
    int maxPendingCalls = buffer.readInt32();
    int maxTaskRetries = buffer.readInt32();
    tracker.registerActorHandle(actorId, maxPendingCalls, maxTaskRetries);
    return new ActorHandleImpl<>(
        actorId, language, className, moduleName, maxPendingCalls, maxTaskRetries);
  }
}
