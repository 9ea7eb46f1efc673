package io.colony.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.WaitResult;
import io.colony.api.exception.ColonyTaskException;
import io.colony.api.exception.GetTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskTest extends ClusterTestBase {
  @Test
  void putAndGetValues() {
    assertEquals("hello", Colony.get(Colony.put("hello")));
    assertEquals(Map.of("a", 1), Colony.get(Colony.put(Map.of("a", 1))));
    List<ObjectRef<Integer>> refs = List.of(Colony.put(1), Colony.put(2), Colony.put(3));
    assertEquals(List.of(1, 2, 3), Colony.get(refs));
  }

  @Test
  void taskByMethodReference() {
    ObjectRef<Integer> ref = Colony.task(MathJob::square, 3).remote();
    assertEquals(9, Colony.get(ref));
  }

  @Test
  void argumentsMayBeValuesOrRefs() {
    ObjectRef<Integer> three = Colony.task(MathJob::add, 1, 2).remote();
    assertEquals(7, Colony.get(Colony.task(MathJob::add, three, 4).remote()));
    assertEquals(21L, Colony.get(Colony.task(MathJob::sum6, 1, 2, 3, 4, 5, 6).remote()));
    assertEquals(25, Colony.get(Colony.task(MathJob::square, Colony.put(5)).remote()));
  }

  @Test
  void optionsAreApplied() {
    ObjectRef<Integer> ref =
        Colony.task(MathJob::square, 4).setName("sq").setMaxRetries(2).setResource("CPU", 1)
            .remote();
    assertEquals(16, Colony.get(ref));
    assertThrows(IllegalArgumentException.class,
        () -> Colony.task(MathJob::square, 4).setMaxRetries(-2));
  }

  @Test
  void infeasibleResourcesAreNotSilent() {
    ObjectRef<Integer> ref = Colony.task(MathJob::square, 4).setResource("GPU", 64).remote();
    assertThrows(GetTimeoutException.class, () -> Colony.get(ref, 1000));
  }

  @Test
  void remoteExceptionsCarryCauseAndStack() {
    ObjectRef<Integer> ref = Colony.task(MathJob::fail, "boom").remote();
    ColonyTaskException e = assertThrows(ColonyTaskException.class, () -> Colony.get(ref));
    assertInstanceOf(IllegalStateException.class, e.getCause());
    assertEquals("boom", e.getCause().getMessage());
    assertTrue(e.getRemoteStackTrace().contains("MathJob.fail"), e.getRemoteStackTrace());
  }

  @Test
  void getTimesOut() {
    ObjectRef<Integer> slow = Colony.task(MathJob::sleepMs, 5000).remote();
    assertThrows(GetTimeoutException.class, () -> Colony.get(slow, 200));
  }

  @Test
  void waitReturnsTheReadyOnes() {
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    refs.add(Colony.task(MathJob::sleepMs, 0).remote());
    refs.add(Colony.task(MathJob::sleepMs, 10000).remote());
    WaitResult<Integer> result = Colony.wait(refs, 1, 5000);
    assertEquals(1, result.getReady().size());
    assertEquals(1, result.getUnready().size());
    assertEquals(0, Colony.get(result.getReady().get(0)));
  }

  @Test
  void largeValuesGoThroughSharedMemory() {
    byte[] big = MathJob.bytes(1 << 20);
    ObjectRef<byte[]> ref = Colony.put(big);
    assertArrayEquals(big, Colony.get(ref));
    long expected = MathJob.checksum(big);
    assertEquals(expected, Colony.get(Colony.task(MathJob::checksum, ref).remote()));
    assertEquals(expected, Colony.get(Colony.task(MathJob::checksum, big).remote()));
    assertArrayEquals(big, Colony.get(Colony.task(MathJob::bytes, 1 << 20).remote()));
  }
}
