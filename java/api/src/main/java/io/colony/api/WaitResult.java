package io.colony.api;

import java.util.List;

/**
 * What {@link Colony#wait} found: the refs whose objects are ready and the others, each in the
 * order they were given.
 */
public final class WaitResult<T> {
  private final List<ObjectRef<T>> ready;
  private final List<ObjectRef<T>> unready;

  public WaitResult(List<ObjectRef<T>> ready, List<ObjectRef<T>> unready) {
    this.ready = List.copyOf(ready);
    this.unready = List.copyOf(unready);
  }

  public List<ObjectRef<T>> getReady() {
    return ready;
  }

  public List<ObjectRef<T>> getUnready() {
    return unready;
  }
}
