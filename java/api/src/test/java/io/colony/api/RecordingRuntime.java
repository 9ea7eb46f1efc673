package io.colony.api;

import io.colony.api.function.ColonyFunc;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.function.PyFunction;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.CallOptions;
import io.colony.api.runtime.ColonyRuntime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** A runtime that records what the API hands it: checks the API's wiring, nothing else. */
final class RecordingRuntime implements ColonyRuntime {
  final List<Object[]> calls = new ArrayList<>();

  Object[] last() {
    return calls.get(calls.size() - 1);
  }

  @Override
  public <T> ObjectRef<T> put(T value) {
    calls.add(new Object[] {"put", value});
    return new FakeRef<>("put");
  }

  @Override
  public <T> List<T> get(List<? extends ObjectRef<? extends T>> refs, long timeoutMs) {
    calls.add(new Object[] {"get", refs, timeoutMs});
    return new ArrayList<>();
  }

  @Override
  public <T> WaitResult<T> wait(List<ObjectRef<T>> refs, int numReturns, long timeoutMs) {
    calls.add(new Object[] {"wait", refs, numReturns, timeoutMs});
    return new WaitResult<>(List.of(), refs);
  }

  @Override
  public <R> ObjectRef<R> submitTask(ColonyFunc function, Object[] args, CallOptions options) {
    calls.add(new Object[] {"submitTask", function, args, options});
    return new FakeRef<>("task");
  }

  @Override
  public <A> ActorHandle<A> createActor(
      ColonyFunc constructor, Object[] args, ActorCreationOptions options) {
    calls.add(new Object[] {"createActor", constructor, args, options});
    return () -> "actor";
  }

  @Override
  public <R> ObjectRef<R> submitActorTask(
      ActorHandle<?> actor, ColonyFunc method, Object[] args, ActorCallOptions options) {
    calls.add(new Object[] {"submitActorTask", actor, method, args, options});
    return new FakeRef<>("call");
  }

  @Override
  public <R> ObjectRef<R> submitPythonTask(
      PyFunction<R> function, Object[] args, CallOptions options) {
    calls.add(new Object[] {"submitPythonTask", function, args, options});
    return new FakeRef<>("py-task");
  }

  @Override
  public ActorHandle<PyActorClass> createPythonActor(
      PyActorClass actorClass, Object[] args, ActorCreationOptions options) {
    calls.add(new Object[] {"createPythonActor", actorClass, args, options});
    return () -> "py-actor";
  }

  @Override
  public <R> ObjectRef<R> submitPythonActorTask(
      ActorHandle<?> actor, PyActorMethod<R> method, Object[] args, ActorCallOptions options) {
    calls.add(new Object[] {"submitPythonActorTask", actor, method, args, options});
    return new FakeRef<>("py-call");
  }

  @Override
  public <A> Optional<ActorHandle<A>> getActor(String name, String namespace) {
    calls.add(new Object[] {"getActor", name, namespace});
    return Optional.empty();
  }

  @Override
  public void killActor(ActorHandle<?> actor, boolean noRestart) {
    calls.add(new Object[] {"killActor", actor, noRestart});
  }

  @Override
  public void shutdown() {
    calls.add(new Object[] {"shutdown"});
  }

  static final class FakeRef<T> implements ObjectRef<T> {
    private final String id;

    FakeRef(String id) {
      this.id = id;
    }

    @Override
    public String getId() {
      return id;
    }
  }
}
