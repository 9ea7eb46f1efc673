package io.colony.api.runtime;

import io.colony.api.ActorHandle;
import io.colony.api.ObjectRef;
import io.colony.api.ObjectRefGenerator;
import io.colony.api.WaitResult;
import io.colony.api.function.ColonyFunc;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.function.PyFunction;
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

  /**
   * Cancels the task or actor call that returns {@code ref}.
   *
   * @throws IllegalArgumentException if {@code force} is set for an actor call
   */
  default void cancel(ObjectRef<?> ref, boolean force) {
    throw new UnsupportedOperationException("this Colony runtime cannot cancel tasks");
  }

  /** Args are values or {@link ObjectRef}s, one per parameter of {@code function}. */
  <R> ObjectRef<R> submitTask(ColonyFunc function, Object[] args, CallOptions options);

  /** {@code constructor} is a constructor or static factory reference returning the actor. */
  <A> ActorHandle<A> createActor(
      ColonyFunc constructor, Object[] args, ActorCreationOptions options);

  /** {@code method}'s first parameter is the actor; {@code args} are the others. */
  <R> ObjectRef<R> submitActorTask(
      ActorHandle<?> actor, ColonyFunc method, Object[] args, ActorCallOptions options);

  /**
   * Calls a Python function; {@code args} are XLANG values or refs. The ref's value is converted to
   * {@link PyFunction#getReturnType()} when it is read.
   *
   * @throws IllegalArgumentException if an argument has no XLANG form
   */
  default <R> ObjectRef<R> submitPythonTask(
      PyFunction<R> function, Object[] args, CallOptions options) {
    throw new UnsupportedOperationException("this Colony runtime cannot call Python functions");
  }

  /** Creates a Python actor; {@code args} are XLANG values or refs. */
  default ActorHandle<PyActorClass> createPythonActor(
      PyActorClass actorClass, Object[] args, ActorCreationOptions options) {
    throw new UnsupportedOperationException("this Colony runtime cannot create Python actors");
  }

  /**
   * Calls a method of a Python actor.
   *
   * @throws IllegalArgumentException if {@code actor} is a Java actor's handle
   */
  default <R> ObjectRef<R> submitPythonActorTask(
      ActorHandle<?> actor, PyActorMethod<R> method, Object[] args, ActorCallOptions options) {
    throw new UnsupportedOperationException("this Colony runtime cannot call Python actors");
  }

  /** A streaming task ({@link io.colony.api.TaskCaller#remoteGenerator()}). */
  default <T> ObjectRefGenerator<T> submitGenerator(
      ColonyFunc function, Object[] args, CallOptions options) {
    throw new UnsupportedOperationException("this Colony runtime has no streaming generators");
  }

  /** A streaming actor call. */
  default <T> ObjectRefGenerator<T> submitActorGenerator(
      ActorHandle<?> actor, ColonyFunc method, Object[] args, ActorCallOptions options) {
    throw new UnsupportedOperationException("this Colony runtime has no streaming generators");
  }

  /** A Python generator function; items are converted to {@code function}'s return type. */
  default <T> ObjectRefGenerator<T> submitPythonGenerator(
      PyFunction<?> function, Object[] args, CallOptions options) {
    throw new UnsupportedOperationException("this Colony runtime has no streaming generators");
  }

  /** A Python actor's generator method. */
  default <T> ObjectRefGenerator<T> submitPythonActorGenerator(
      ActorHandle<?> actor, PyActorMethod<?> method, Object[] args, ActorCallOptions options) {
    throw new UnsupportedOperationException("this Colony runtime has no streaming generators");
  }

  /** {@code namespace} null means the job's namespace. */
  <A> Optional<ActorHandle<A>> getActor(String name, String namespace);

  void killActor(ActorHandle<?> actor, boolean noRestart);

  /** Disconnects from the cluster and stops the processes this runtime started. */
  void shutdown();
}
