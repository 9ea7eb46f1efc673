package io.colony.api;

import io.colony.api.function.ColonyFunc1;
import io.colony.api.function.ColonyFunc2;
import io.colony.api.function.ColonyFunc3;
import io.colony.api.function.ColonyFunc4;
import io.colony.api.function.ColonyFunc5;
import io.colony.api.function.ColonyFunc6;
import io.colony.api.function.ColonyFuncVoid1;
import io.colony.api.function.ColonyFuncVoid2;
import io.colony.api.function.ColonyFuncVoid3;
import io.colony.api.function.ColonyFuncVoid4;
import io.colony.api.function.ColonyFuncVoid5;
import io.colony.api.function.ColonyFuncVoid6;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.runtime.RuntimeHolder;

/**
 * A reference to an actor. Handles can be passed to tasks and other actors.
 *
 * <pre>{@code
 * ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).remote();
 * ObjectRef<Integer> count = counter.task(Counter::increment, 1).remote();
 * }</pre>
 *
 * <p>Methods are named by unbound method references ({@code Counter::increment}), whose first
 * parameter is the actor; the other arguments may be values or {@link ObjectRef}s.
 *
 * <p>A Python actor's handle is an {@code ActorHandle<PyActorClass>}: its methods are named by
 * {@link PyActorMethod}s, and its arguments cross in the XLANG format ({@code docs/xlang.md}).
 *
 * <pre>{@code
 * ActorHandle<PyActorClass> py = Colony.actor(PyActorClass.of("my_module", "Counter")).remote();
 * ObjectRef<Long> n = py.task(PyActorMethod.of("increment", Long.class), 1).remote();
 * }</pre>
 *
 * @param <A> the actor's class ({@link PyActorClass} for Python actors)
 */
public interface ActorHandle<A> {
  /** The actor's ID in hex. */
  String getId();

  /** Kills the actor's process for good, even if it could be restarted. */
  default void kill() {
    kill(true);
  }

  /** Kills the actor's process; with {@code noRestart} false it restarts (maxRestarts). */
  default void kill(boolean noRestart) {
    RuntimeHolder.get().killActor(this, noRestart);
  }

  /**
   * Calls a method of a Python actor; {@code args} go as XLANG values (or refs).
   *
   * @throws IllegalArgumentException on {@link ActorTaskCaller#remote()} if this is the handle of a
   *     Java actor
   */
  default <R> ActorTaskCaller<R> task(PyActorMethod<R> method, Object... args) {
    return new ActorTaskCaller<>(this, method, args);
  }

  default <R> ActorTaskCaller<R> task(ColonyFunc1<A, R> f) {
    return new ActorTaskCaller<>(this, f, new Object[0]);
  }

  default ActorTaskCaller<Void> task(ColonyFuncVoid1<A> f) {
    return new ActorTaskCaller<>(this, f, new Object[0]);
  }

  default <T0, R> ActorTaskCaller<R> task(ColonyFunc2<A, T0, R> f, Object a0) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0});
  }

  default <T0> ActorTaskCaller<Void> task(ColonyFuncVoid2<A, T0> f, Object a0) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0});
  }

  default <T0, T1, R> ActorTaskCaller<R> task(ColonyFunc3<A, T0, T1, R> f, Object a0, Object a1) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0, a1});
  }

  default <T0, T1> ActorTaskCaller<Void> task(ColonyFuncVoid3<A, T0, T1> f, Object a0, Object a1) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0, a1});
  }

  default <T0, T1, T2, R> ActorTaskCaller<R> task(
      ColonyFunc4<A, T0, T1, T2, R> f, Object a0, Object a1, Object a2) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0, a1, a2});
  }

  default <T0, T1, T2> ActorTaskCaller<Void> task(
      ColonyFuncVoid4<A, T0, T1, T2> f, Object a0, Object a1, Object a2) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0, a1, a2});
  }

  default <T0, T1, T2, T3, R> ActorTaskCaller<R> task(
      ColonyFunc5<A, T0, T1, T2, T3, R> f, Object a0, Object a1, Object a2, Object a3) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0, a1, a2, a3});
  }

  default <T0, T1, T2, T3> ActorTaskCaller<Void> task(
      ColonyFuncVoid5<A, T0, T1, T2, T3> f, Object a0, Object a1, Object a2, Object a3) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0, a1, a2, a3});
  }

  default <T0, T1, T2, T3, T4, R> ActorTaskCaller<R> task(
      ColonyFunc6<A, T0, T1, T2, T3, T4, R> f,
      Object a0,
      Object a1,
      Object a2,
      Object a3,
      Object a4) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0, a1, a2, a3, a4});
  }

  default <T0, T1, T2, T3, T4> ActorTaskCaller<Void> task(
      ColonyFuncVoid6<A, T0, T1, T2, T3, T4> f,
      Object a0,
      Object a1,
      Object a2,
      Object a3,
      Object a4) {
    return new ActorTaskCaller<>(this, f, new Object[] {a0, a1, a2, a3, a4});
  }
}
