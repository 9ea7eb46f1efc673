package io.colony.runtime.object;

import io.colony.api.ObjectRef;
import io.colony.api.ObjectRefGenerator;
import io.colony.api.exception.ColonyException;
import io.colony.api.exception.GetTimeoutException;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.NoSuchElementException;
import java.util.function.Predicate;

/**
 * The runtime's {@link ObjectRefGenerator}: asks the core for item 0, 1, ... of one streaming task
 * and wraps each id in an {@link ObjectRefImpl} (the caller owns the items). When the task ends,
 * its failure (if any) is the last item: the end ref, whose get throws it.
 */
public final class ObjectRefGeneratorImpl<T> implements ObjectRefGenerator<T> {
  private static final Cleaner CLEANER = Cleaner.create();
  private static final long WAIT_SLICE_MS = 1000; // a blocked wait checks for interrupts this often

  private final byte[] taskId;
  private final ObjectRefImpl<Long> end;
  private final byte[] ownerAddress;
  private final ReferenceTracker tracker;
  private final Class<?> resultType;
  private final GeneratorItems items;
  private final Predicate<ObjectRefImpl<Long>> failed;
  private final Runnable cancelTask;
  private final Stopper stopper;
  private long index;
  private ObjectRef<T> peeked;
  private boolean done;

  /**
   * @param end the task's return 1 (the item count, or its failure)
   * @param failed whether the ended task failed (reads {@code end})
   * @param cancelTask cancels the task behind {@code end}
   * @param resultType what the items' XLANG values are converted to (Python callees), or null
   */
  public ObjectRefGeneratorImpl(
      ObjectRefImpl<Long> end,
      ReferenceTracker tracker,
      Class<?> resultType,
      GeneratorItems items,
      Predicate<ObjectRefImpl<Long>> failed,
      Runnable cancelTask) {
    this.end = end;
    this.taskId = ObjectIds.taskIdOf(end.id());
    this.ownerAddress = end.ownerAddress();
    this.tracker = tracker;
    this.resultType = resultType;
    this.items = items;
    this.failed = failed;
    this.cancelTask = cancelTask;
    // Dropped without being read to the end: the executor stops and the core forgets it.
    this.stopper = new Stopper(items, taskId);
    CLEANER.register(this, stopper);
  }

  @Override
  public boolean hasNext() {
    if (peeked == null && !done) {
      peeked = fetch(-1);
    }
    return peeked != null;
  }

  @Override
  public ObjectRef<T> next() {
    if (!hasNext()) {
      throw new NoSuchElementException("the streaming task has no more items");
    }
    return take();
  }

  @Override
  public ObjectRef<T> next(long timeoutMs) {
    if (timeoutMs < 0) {
      throw new IllegalArgumentException("timeoutMs must be >= 0, got " + timeoutMs);
    }
    if (peeked == null && !done) {
      peeked = fetch(timeoutMs);
    }
    if (peeked == null) {
      throw new NoSuchElementException("the streaming task has no more items");
    }
    return take();
  }

  private ObjectRef<T> take() {
    ObjectRef<T> item = peeked;
    peeked = null;
    return item;
  }

  /** The next item, or null at the end; timeoutMs -1 waits for ever. */
  private ObjectRef<T> fetch(long timeoutMs) {
    long left = timeoutMs;
    while (true) {
      long slice = left < 0 ? WAIT_SLICE_MS : Math.min(left, WAIT_SLICE_MS);
      GeneratorItems.Next next = items.next(taskId, index, slice);
      switch (next.kind()) {
        case ITEM:
          ObjectRefImpl<T> ref = new ObjectRefImpl<>(next.itemId(), ownerAddress, tracker, resultType);
          items.consumed(taskId, index); // our ref holds the item now
          index++;
          return ref;
        case TIMED_OUT:
          if (Thread.currentThread().isInterrupted()) {
            throw new ColonyException("interrupted while waiting for a streaming task's item");
          }
          if (left >= 0) {
            left -= slice;
            if (left <= 0) {
              throw new GetTimeoutException(
                  "no item " + index + " of the streaming task within " + timeoutMs + " ms");
            }
          }
          continue;
        default: // END, or UNKNOWN (stopped): the task's failure, if any, is the last item
          return finish();
      }
    }
  }

  @SuppressWarnings("unchecked") // the end ref raises the task's error when read
  private ObjectRef<T> finish() {
    done = true;
    stopper.run();
    return failed.test(end) ? (ObjectRef<T>) (ObjectRef<?>) end : null;
  }

  @Override
  public ObjectRef<Long> completed() {
    return end;
  }

  @Override
  public void cancel() {
    items.stop(taskId, false);
    cancelTask.run();
  }

  @Override
  public void close() {
    if (!done) {
      done = true;
      peeked = null;
      stopper.run();
    }
  }

  @Override
  public String toString() {
    return "ObjectRefGenerator(" + ObjectIds.hex(taskId) + ")";
  }

  /** Stops and forgets the stream once; must not refer to the generator itself. */
  private static final class Stopper implements Runnable {
    private final GeneratorItems items;
    private final byte[] taskId;
    private boolean ran;

    Stopper(GeneratorItems items, byte[] taskId) {
      this.items = items;
      this.taskId = Arrays.copyOf(taskId, taskId.length);
    }

    @Override
    public synchronized void run() {
      if (!ran) {
        ran = true;
        items.stop(taskId, true);
      }
    }
  }
}
