package io.colony.api;

/**
 * A reference to an immutable object somewhere in the cluster: the result of {@link Colony#put}, of
 * a task or of an actor call.
 *
 * <p>Refs can be passed to tasks (they are then resolved to their values before the task runs) and
 * nested inside other values (they then stay refs). The object lives at least as long as some
 * process holds a ref to it.
 *
 * @param <T> the type of the object's value
 */
public interface ObjectRef<T> {
  /** The object's ID in hex. */
  String getId();

  /** Waits for the value and returns it; see {@link Colony#get(ObjectRef)}. */
  default T get() {
    return Colony.get(this);
  }

  /** Waits at most {@code timeoutMs} for the value; see {@link Colony#get(ObjectRef, long)}. */
  default T get(long timeoutMs) {
    return Colony.get(this, timeoutMs);
  }
}
