package io.colony.api;

import java.util.Iterator;

/**
 * The refs of a streaming task's items, each available as soon as the task produced it: what
 * {@link TaskCaller#remoteGenerator()} and {@link ActorTaskCaller#remoteGenerator()} return (Ray's
 * {@code ObjectRefGenerator}, Python's {@code num_returns="streaming"}).
 *
 * <pre>{@code
 * try (ObjectRefGenerator<Integer> gen = Colony.task(Numbers::upTo, 5).remoteGenerator()) {
 *   for (ObjectRef<Integer> item : gen) {
 *     System.out.println(Colony.get(item));
 *   }
 * }
 * }</pre>
 *
 * <p>The task (a method returning an {@link Iterator}, {@link Iterable} or {@link
 * java.util.stream.Stream}) runs ahead of the caller by at most the back-pressure window ({@code
 * setGeneratorBackpressureNumObjects}). An exception the task throws while producing item
 * {@code i} is item {@code i}: getting it throws, and the stream ends there. Not thread-safe: one
 * consumer at a time.
 *
 * @param <T> the items' type
 */
public interface ObjectRefGenerator<T> extends Iterator<ObjectRef<T>>, Iterable<ObjectRef<T>>,
    AutoCloseable {
  /** Waits until the next item is produced (true) or the task has ended without one (false). */
  @Override
  boolean hasNext();

  /**
   * The next item's ref, waiting for it.
   *
   * @throws java.util.NoSuchElementException once the stream has ended
   */
  @Override
  ObjectRef<T> next();

  /**
   * Like {@link #next()}, waiting at most {@code timeoutMs}.
   *
   * @throws io.colony.api.exception.GetTimeoutException if no item comes in time (the generator
   *     stays usable)
   */
  ObjectRef<T> next(long timeoutMs);

  /** This generator itself: {@code for (ObjectRef<T> item : gen)}. */
  @Override
  default Iterator<ObjectRef<T>> iterator() {
    return this;
  }

  /** A ref that is ready once the task has ended: its value is the number of items. */
  ObjectRef<Long> completed();

  /**
   * Stops the task: items not taken yet are dropped, the executor is told at its next item, and
   * the task is cancelled (interrupted if it runs; an actor call that runs finishes its current
   * item). Items already taken stay readable.
   */
  void cancel();

  /** No more items wanted: the executor stops at its next item. Idempotent. */
  @Override
  void close();
}
