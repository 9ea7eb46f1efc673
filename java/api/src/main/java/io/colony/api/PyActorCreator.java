package io.colony.api;

import io.colony.api.function.PyActorClass;
import io.colony.api.runtime.RuntimeHolder;
import java.util.Objects;

/**
 * A Python actor being prepared ({@link Colony#actor(PyActorClass, Object...)}): set options,
 * then {@link #remote()} creates it. Its handle is an {@code ActorHandle<PyActorClass>}.
 *
 * <pre>{@code
 * ActorHandle<PyActorClass> counter =
 *     Colony.actor(PyActorClass.of("jobs", "Counter"), 0).setName("counter").remote();
 * }</pre>
 */
public final class PyActorCreator extends BaseActorCreator<PyActorClass, PyActorCreator> {
  private final PyActorClass pyClass;
  private final Object[] args;

  PyActorCreator(PyActorClass pyClass, Object[] args) {
    this.pyClass = Objects.requireNonNull(pyClass, "the Python actor class must not be null");
    this.args = Colony.checkArgs(args);
  }

  @Override
  public ActorHandle<PyActorClass> remote() {
    return RuntimeHolder.get().createPythonActor(pyClass, args, options.build());
  }
}
