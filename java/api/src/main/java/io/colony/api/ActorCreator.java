package io.colony.api;

import io.colony.api.function.ColonyFunc;
import io.colony.api.function.PyActorClass;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.ActorLifetime;
import io.colony.api.runtime.RuntimeHolder;
import java.util.Objects;

/**
 * An actor being prepared: set options, then {@link #remote()} creates it.
 *
 * <pre>{@code
 * ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).setName("counter").remote();
 * }</pre>
 *
 * <p>A Python actor ({@link Colony#actor(PyActorClass, Object...)}) is an {@code
 * ActorCreator<PyActorClass>}, whose handle is an {@code ActorHandle<PyActorClass>}.
 *
 * @param <A> the actor's class ({@link PyActorClass} for Python actors)
 */
public final class ActorCreator<A> {
  private final ColonyFunc constructor; // exactly one of constructor and pyClass is set
  private final PyActorClass pyClass;
  private final Object[] args;
  private final ActorCreationOptions.Builder options = ActorCreationOptions.builder();

  ActorCreator(ColonyFunc constructor, Object[] args) {
    this.constructor = Colony.checkFunction(constructor);
    this.pyClass = null;
    this.args = args;
  }

  ActorCreator(PyActorClass pyClass, Object[] args) {
    this.constructor = null;
    this.pyClass = Objects.requireNonNull(pyClass, "the Python actor class must not be null");
    this.args = Colony.checkArgs(args);
  }

  /** Names the actor so that {@link Colony#getActor(String)} finds it. */
  public ActorCreator<A> setName(String name) {
    options.setName(name);
    return this;
  }

  /** The namespace of a named actor; default the job's. */
  public ActorCreator<A> setNamespace(String namespace) {
    options.setNamespace(namespace);
    return this;
  }

  /** Whether the actor outlives its owner; default {@link ActorLifetime#NON_DETACHED}. */
  public ActorCreator<A> setLifetime(ActorLifetime lifetime) {
    options.setLifetime(lifetime);
    return this;
  }

  /** Asks for {@code amount} of a resource for the actor's lifetime; default none. */
  public ActorCreator<A> setResource(String name, double amount) {
    options.setResource(name, amount);
    return this;
  }

  /** How often the actor is restarted when its process dies; -1 forever. Default 0. */
  public ActorCreator<A> setMaxRestarts(int maxRestarts) {
    options.setMaxRestarts(maxRestarts);
    return this;
  }

  /** How often a call is resent to a restarted actor; -1 forever. Default 0. */
  public ActorCreator<A> setMaxTaskRetries(int maxTaskRetries) {
    options.setMaxTaskRetries(maxTaskRetries);
    return this;
  }

  /** How many calls may run at once, each on its own thread. Default 1. */
  public ActorCreator<A> setMaxConcurrency(int maxConcurrency) {
    options.setMaxConcurrency(maxConcurrency);
    return this;
  }

  /** Pending calls per handle before calls are refused; -1 (the default) for no limit. */
  public ActorCreator<A> setMaxPendingCalls(int maxPendingCalls) {
    options.setMaxPendingCalls(maxPendingCalls);
    return this;
  }

  /** Gives the actor a JVM of its own, started with these flags; default: a shared JVM. */
  public ActorCreator<A> setJvmOptions(java.util.List<String> jvmOptions) {
    options.setJvmOptions(jvmOptions);
    return this;
  }

  /** With a name: return the live actor of that name instead of failing. */
  public ActorCreator<A> setGetIfExists(boolean getIfExists) {
    options.setGetIfExists(getIfExists);
    return this;
  }

  /** Creates the actor; calls may be sent at once and run once it is alive. */
  @SuppressWarnings("unchecked") // Colony.actor(PyActorClass, ...) makes A = PyActorClass
  public ActorHandle<A> remote() {
    if (pyClass != null) {
      return (ActorHandle<A>) RuntimeHolder.get().createPythonActor(pyClass, args, options.build());
    }
    return RuntimeHolder.get().createActor(constructor, args, options.build());
  }
}
