package io.colony.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.exception.TaskCancelledException;
import org.junit.jupiter.api.Test;

class CancelTest extends ClusterTestBase {
  @Test
  void aRunningTaskIsInterrupted() {
    ObjectRef<Integer> ref = Colony.task(MathJob::sleepMs, 30_000).remote();
    Colony.get(Colony.task(MathJob::square, 2).remote()); // a worker is up; give it time to start
    sleep(500);
    long start = System.nanoTime();
    Colony.cancel(ref);
    assertThrows(TaskCancelledException.class, () -> Colony.get(ref, 20_000));
    assertTrue(System.nanoTime() - start < 20_000_000_000L);
  }

  @Test
  void queuedActorCallsAreSkippedAndTheRunningOneRunsOn() {
    ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).remote();
    Colony.get(counter.task(Counter::get).remote());
    ObjectRef<Integer> running = counter.task(Counter::sleepMs, 1500).remote();
    ObjectRef<Integer> first = counter.task(Counter::increment, 1).remote();
    ObjectRef<Integer> skipped = counter.task(Counter::increment, 10).remote();
    ObjectRef<Integer> last = counter.task(Counter::increment, 100).remote();
    sleep(300);
    Colony.cancel(skipped);
    // Answered before the running call ends, not in its turn.
    assertThrows(TaskCancelledException.class, () -> Colony.get(skipped, 1000));
    assertEquals(1500, Colony.get(running));
    assertEquals(1, Colony.get(first));
    assertEquals(101, Colony.get(last));
  }

  @Test
  void forceIsRefusedForActorCalls() {
    ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).remote();
    ObjectRef<Integer> ref = counter.task(Counter::sleepMs, 200).remote();
    assertThrows(IllegalArgumentException.class, () -> Colony.cancel(ref, true));
    assertEquals(200, Colony.get(ref));
    Colony.cancel(ref); // finished: nothing to do
    assertEquals(200, Colony.get(ref));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
