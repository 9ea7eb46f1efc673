package io.colony.api.runtime;

import io.colony.api.ActorHandle;
import io.colony.api.ObjectRef;
import io.colony.api.WaitResult;
import io.colony.api.function.ColonyFunc;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.CallOptions;
import java.util.List;
import java.util.Optional;

/**
 * What the API needs from a runtime. Service provider interface: applications use {@link
 * io.colony.api.Colony}; the runtime module implements this. Arguments reaching it have already
 * been checked by the API (non-null, valid ranges).
 */
public interface ColonyRuntime {
  <T> ObjectRef<T> put(T value);

  /** Values in the order of {@code refs}; throws the stored exception of a failed task. */
  <T> List<T> get(List<? extends ObjectRef<? extends T>> refs, long timeoutMs);

  /** {@code timeoutMs} -1 waits until {@code numReturns} objects are ready. */
  <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, long timeoutMs);

  /** Args are values or {@link ObjectRef}s, one per parameter of {@code function}. */
  <R> ObjectRef<R> submitTask(ColonyFunc function, Object[] args, CallOptions options);

  /** {@code constructor} is a constructor or static factory reference returning the actor. */
  <A> ActorHandle<A> createActor(
      ColonyFunc constructor, Object[] args, ActorCreationOptions options);

  /** {@code method}'s first parameter is the actor; {@code args} are the others. */
  <R> ObjectRef<R> submitActorTask(
      ActorHandle<?> actor, ColonyFunc method, Object[] args, ActorCallOptions options);

  /** {@code namespace} null means the job's namespace. */
  <A> Optional<ActorHandle<A>> getActor(String name, String namespace);

  void killActor(ActorHandle<?> actor, boolean noRestart);

  /** Disconnects from the cluster and stops the processes this runtime started. */
  void shutdown();
}
