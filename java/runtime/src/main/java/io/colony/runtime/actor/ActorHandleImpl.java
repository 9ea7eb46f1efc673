package io.colony.runtime.actor;

import io.colony.api.ActorHandle;
import io.colony.runtime.object.ObjectIds;
import java.util.Arrays;

/**
 * The runtime's {@link ActorHandle}: the actor's ID plus what a caller needs to submit calls (the
 * submitter's limits). Serializable inside values, so handles can be passed around.
 */
public final class ActorHandleImpl<A> implements ActorHandle<A> {
  public static final int ACTOR_ID_SIZE = 16;

  private final byte[] actorId;
  private final String className;
  private final int maxPendingCalls;
  private final int maxTaskRetries;

  public ActorHandleImpl(
      byte[] actorId, String className, int maxPendingCalls, int maxTaskRetries) {
    if (actorId.length != ACTOR_ID_SIZE) {
      throw new IllegalArgumentException(
          "an actor ID has " + ACTOR_ID_SIZE + " bytes, got " + actorId.length);
    }
    this.actorId = actorId.clone();
    this.className = className;
    this.maxPendingCalls = maxPendingCalls;
    this.maxTaskRetries = maxTaskRetries;
  }

  public byte[] actorId() {
    return actorId.clone();
  }

  /** The actor's class name as the creator's function descriptor gave it. */
  public String className() {
    return className;
  }

  public int maxPendingCalls() {
    return maxPendingCalls;
  }

  public int maxTaskRetries() {
    return maxTaskRetries;
  }

  @Override
  public String getId() {
    return ObjectIds.hex(actorId);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ActorHandleImpl
        && Arrays.equals(actorId, ((ActorHandleImpl<?>) other).actorId);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(actorId);
  }

  @Override
  public String toString() {
    return "ActorHandle(" + className + ", " + getId() + ")";
  }
}
