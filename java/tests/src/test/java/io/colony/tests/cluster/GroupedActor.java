package io.colony.tests.cluster;

import io.colony.api.ConcurrencyGroup;
import java.util.concurrent.BrokenBarrierException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * An actor whose calls wait for each other: they finish only if the groups they run in give them
 * threads of their own (ConcurrencyGroupTest).
 */
public class GroupedActor {
  private final CountDownLatch released = new CountDownLatch(1);
  private final CyclicBarrier ioPair = new CyclicBarrier(2);

  public GroupedActor() {}

  /** Default group: waits (up to 2 minutes) for release(). */
  public boolean waitForRelease() throws InterruptedException {
    return released.await(120, TimeUnit.SECONDS);
  }

  @ConcurrencyGroup("io")
  public boolean release() {
    released.countDown();
    return true;
  }

  /** Two calls meet here: true only if both run at once (group "io" has 2 threads). */
  @ConcurrencyGroup("io")
  public boolean meet() throws InterruptedException, BrokenBarrierException {
    try {
      ioPair.await(120, TimeUnit.SECONDS);
      return true;
    } catch (TimeoutException e) {
      return false;
    }
  }

  /** No group of its own: the default, unless the call names one. */
  public String threadName() {
    return Thread.currentThread().getName();
  }

  /** A call naming group "io" for this default-group method runs there (releases too). */
  public boolean releaseFromAnyGroup() {
    released.countDown();
    return true;
  }
}
