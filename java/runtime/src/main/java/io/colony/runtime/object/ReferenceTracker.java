package io.colony.runtime.object;

import io.colony.runtime.generated.Common.ActorTableData;

/**
 * Tells the core worker which objects and actors this process holds references to, so that it keeps
 * them alive (and frees them once the last reference is gone).
 */
public interface ReferenceTracker {
  /** For processes without a core worker (unit tests, tools): tracks nothing. */
  ReferenceTracker NONE =
      new ReferenceTracker() {
        @Override
        public boolean isTracking() {
          return false;
        }

        @Override
        public void addLocalRef(byte[] objectId) {}

        @Override
        public void removeLocalRef(byte[] objectId) {}

        @Override
        public void registerBorrowedRef(byte[] objectId, byte[] ownerAddress) {}

        @Override
        public void registerActorHandle(byte[] actorId, int maxPendingCalls, int maxTaskRetries) {}
      };

  /** False if calls are no-ops, so refs need not be watched for garbage collection. */
  boolean isTracking();

  void addLocalRef(byte[] objectId);

  /** Called from a cleaner thread once a ref became unreachable. */
  void removeLocalRef(byte[] objectId);

  /**
   * A ref arrived inside a value: the object may be owned by another process. Call it after
   * the ref's local count was added: the owner may answer at once, and an entry that nothing
   * holds would be dropped then, losing its owner's address.
   */
  void registerBorrowedRef(byte[] objectId, byte[] ownerAddress);

  /** A handle arrived inside a value: start following the actor's state. */
  void registerActorHandle(byte[] actorId, int maxPendingCalls, int maxTaskRetries);

  /**
   * A handle arrived as its ID alone (an XLANG value): the cluster's record of the actor, to
   * rebuild the handle from, or null if there is none (or no cluster to ask). The handle is then
   * registered with {@link #registerActorHandle}.
   */
  default ActorTableData lookUpActor(byte[] actorId) {
    return null;
  }
}
