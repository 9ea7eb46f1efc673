package io.colony.runtime.jni;

import com.google.protobuf.InvalidProtocolBufferException;
import io.colony.runtime.generated.Common.ActorTableData;
import io.colony.runtime.object.ReferenceTracker;

/**
 * Reports refs and handles to one core worker. After {@link #close()} (shutdown) every call is a
 * no-op, so that refs collected later never touch a core worker that is gone.
 */
public final class NativeReferenceTracker implements ReferenceTracker {
  private final long worker;
  private volatile boolean closed;

  public NativeReferenceTracker(long worker) {
    this.worker = worker;
  }

  public void close() {
    closed = true;
  }

  @Override
  public boolean isTracking() {
    return !closed;
  }

  @Override
  public void addLocalRef(byte[] objectId) {
    if (!closed) {
      NativeCoreWorker.addLocalRef(worker, objectId);
    }
  }

  @Override
  public void removeLocalRef(byte[] objectId) {
    if (!closed) {
      NativeCoreWorker.removeLocalRef(worker, objectId);
    }
  }

  @Override
  public void registerBorrowedRef(byte[] objectId, byte[] ownerAddress) {
    if (!closed) {
      NativeCoreWorker.registerRef(worker, objectId, ownerAddress);
    }
  }

  @Override
  public void registerActorHandle(byte[] actorId, int maxPendingCalls, int maxTaskRetries) {
    if (!closed) {
      NativeCoreWorker.addActorHandle(worker, actorId, maxPendingCalls, maxTaskRetries);
    }
  }

  @Override
  public ActorTableData lookUpActor(byte[] actorId) {
    if (closed) {
      return null;
    }
    byte[] info = NativeCoreWorker.getActorInfo(worker, actorId, "", "");
    if (info == null) {
      return null;
    }
    try {
      return ActorTableData.parseFrom(info);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("getActorInfo gave no ActorTableData", e);
    }
  }
}
