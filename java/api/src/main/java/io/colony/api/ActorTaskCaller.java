package io.colony.api;

import io.colony.api.function.ColonyFunc;
import io.colony.api.function.PyActorMethod;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.runtime.RuntimeHolder;
import java.util.Objects;

/**
 * An actor method call being prepared; {@link #remote()} sends it. Calls made through one handle
 * run in the order they were sent.
 *
 * @param <R> the method's return type ({@link Void} for void methods)
 */
public final class ActorTaskCaller<R> {
  private final ActorHandle<?> actor;
  private final ColonyFunc method; // exactly one of method and pyMethod is set
  private final PyActorMethod<R> pyMethod;
  private final Object[] args;
  private final ActorCallOptions.Builder options = ActorCallOptions.builder();

  ActorTaskCaller(ActorHandle<?> actor, ColonyFunc method, Object[] args) {
    this.actor = actor;
    this.method = Colony.checkFunction(method);
    this.pyMethod = null;
    this.args = args;
  }

  ActorTaskCaller(ActorHandle<?> actor, PyActorMethod<R> method, Object[] args) {
    this.actor = actor;
    this.method = null;
    this.pyMethod = Objects.requireNonNull(method, "the Python actor method must not be null");
    this.args = Colony.checkArgs(args);
  }

  /** The call's display name; default {@code Class.method}. */
  public ActorTaskCaller<R> setName(String name) {
    options.setName(name);
    return this;
  }

  /**
   * Runs this call in the actor's concurrency group {@code name} instead of the method's own
   * ({@link ConcurrencyGroup}) or the default one.
   */
  public ActorTaskCaller<R> setConcurrencyGroup(String name) {
    options.setConcurrencyGroup(name);
    return this;
  }

  /** For {@link #remoteGenerator()}: items the caller may leave untaken before the call pauses. */
  public ActorTaskCaller<R> setGeneratorBackpressureNumObjects(long items) {
    options.setGeneratorBackpressureNumObjects(items);
    return this;
  }

  /**
   * Sends the call as a streaming generator (see {@link TaskCaller#remoteGenerator()}): the method
   * returns an {@link java.util.Iterator}, {@link Iterable} or {@link java.util.stream.Stream}.
   */
  public <T> ObjectRefGenerator<T> remoteGenerator() {
    if (pyMethod != null) {
      return RuntimeHolder.get().submitPythonActorGenerator(actor, pyMethod, args, options.build());
    }
    return RuntimeHolder.get().submitActorGenerator(actor, method, args, options.build());
  }

  /**
   * Sends the call.
   *
   * @throws io.colony.api.exception.PendingCallsLimitExceededException if the handle already has
   *     the actor's {@code maxPendingCalls} calls pending
   */
  public ObjectRef<R> remote() {
    if (pyMethod != null) {
      return RuntimeHolder.get().submitPythonActorTask(actor, pyMethod, args, options.build());
    }
    return RuntimeHolder.get().submitActorTask(actor, method, args, options.build());
  }
}
