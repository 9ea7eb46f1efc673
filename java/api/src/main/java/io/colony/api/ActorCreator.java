package io.colony.api;

import io.colony.api.function.ColonyFunc;
import io.colony.api.runtime.RuntimeHolder;
import java.util.List;

/**
 * A Java actor being prepared: set options, then {@link #remote()} creates it.
 *
 * <pre>{@code
 * ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).setName("counter").remote();
 * }</pre>
 *
 * <p>Python actors are prepared by a {@link PyActorCreator}.
 *
 * @param <A> the actor's class
 */
public final class ActorCreator<A> extends BaseActorCreator<A, ActorCreator<A>> {
  private final ColonyFunc constructor;
  private final Object[] args;

  ActorCreator(ColonyFunc constructor, Object[] args) {
    this.constructor = Colony.checkFunction(constructor);
    this.args = args;
  }

  /** Gives the actor a JVM of its own, started with these flags; default: a shared JVM. */
  public ActorCreator<A> setJvmOptions(List<String> jvmOptions) {
    options.setJvmOptions(jvmOptions);
    return this;
  }

  @Override
  public ActorHandle<A> remote() {
    return RuntimeHolder.get().createActor(constructor, args, options.build());
  }
}
