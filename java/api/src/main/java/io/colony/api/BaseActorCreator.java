package io.colony.api;

import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.ActorLifetime;
import io.colony.api.scheduling.SchedulingStrategy;

/**
 * The options every actor takes, whatever its language; {@link ActorCreator} (Java actors) and
 * {@link PyActorCreator} (Python actors) add their own and create the actor.
 *
 * @param <A> the actor's class ({@link io.colony.api.function.PyActorClass} for Python actors)
 * @param <C> the concrete creator, so that the setters chain without casts
 */
public abstract class BaseActorCreator<A, C extends BaseActorCreator<A, C>> {
  /** The options collected so far; subclasses add their own language's options to it. */
  protected final ActorCreationOptions.Builder options = ActorCreationOptions.builder();

  BaseActorCreator() {} // only this package's creators

  @SuppressWarnings("unchecked") // C is this creator's own class
  protected final C self() {
    return (C) this;
  }

  /** Names the actor so that {@link Colony#getActor(String)} finds it. */
  public C setName(String name) {
    options.setName(name);
    return self();
  }

  /** The namespace of a named actor; default the job's. */
  public C setNamespace(String namespace) {
    options.setNamespace(namespace);
    return self();
  }

  /** Whether the actor outlives its owner; default {@link ActorLifetime#NON_DETACHED}. */
  public C setLifetime(ActorLifetime lifetime) {
    options.setLifetime(lifetime);
    return self();
  }

  /** Asks for {@code amount} of a resource for the actor's lifetime; default none. */
  public C setResource(String name, double amount) {
    options.setResource(name, amount);
    return self();
  }

  /** How often the actor is restarted when its process dies; -1 forever. Default 0. */
  public C setMaxRestarts(int maxRestarts) {
    options.setMaxRestarts(maxRestarts);
    return self();
  }

  /** How often a call is resent to a restarted actor; -1 forever. Default 0. */
  public C setMaxTaskRetries(int maxTaskRetries) {
    options.setMaxTaskRetries(maxTaskRetries);
    return self();
  }

  /** How many calls may run at once, each on its own thread. Default 1. */
  public C setMaxConcurrency(int maxConcurrency) {
    options.setMaxConcurrency(maxConcurrency);
    return self();
  }

  /** Pending calls per handle before calls are refused; -1 (the default) for no limit. */
  public C setMaxPendingCalls(int maxPendingCalls) {
    options.setMaxPendingCalls(maxPendingCalls);
    return self();
  }

  /** With a name: return the live actor of that name instead of failing. */
  public C setGetIfExists(boolean getIfExists) {
    options.setGetIfExists(getIfExists);
    return self();
  }

  /** Where the actor may be placed (see {@link TaskCaller#setSchedulingStrategy}). */
  public C setSchedulingStrategy(SchedulingStrategy strategy) {
    options.setSchedulingStrategy(strategy);
    return self();
  }

  /**
   * Declares named concurrency groups, name to how many calls each runs at once on threads of
   * its own; methods join one with {@link ConcurrencyGroup}, calls with {@link
   * ActorTaskCaller#setConcurrencyGroup}.
   */
  public C setConcurrencyGroups(java.util.Map<String, Integer> groups) {
    options.setConcurrencyGroups(groups);
    return self();
  }

  /** Creates the actor; calls may be sent at once and run once it is alive. */
  public abstract ActorHandle<A> remote();
}
