package io.colony.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.ObjectRefGenerator;
import io.colony.api.exception.ColonyException;
import io.colony.api.exception.ColonyTaskException;
import io.colony.api.exception.CrossLanguageException;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.function.PyFunction;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Streaming generators from a Java driver (remoteGenerator): Java tasks, Java actor methods and
 * Python generators, on the core's generator tracker and ReportGeneratorItem. Ordering is proven
 * by calls that wait for each other, never by timing.
 */
class StreamingGeneratorTest extends ClusterTestBase {
  private static <T> List<T> all(ObjectRefGenerator<T> gen) {
    List<T> out = new ArrayList<>();
    for (ObjectRef<T> item : gen) {
      out.add(Colony.get(item, 120_000));
    }
    return out;
  }

  @Test
  void aTasksItemsArriveInOrderAndCompletedCountsThem() {
    ObjectRefGenerator<Integer> gen = Colony.task(Streams::squares, 5).remoteGenerator();
    assertEquals(List.of(0, 1, 4, 9, 16), all(gen));
    assertEquals(5L, Colony.get(gen.completed(), 60_000));
    assertFalse(gen.hasNext());
  }

  @Test
  void itemsAreAvailableWhileTheTaskStillRuns() {
    ActorHandle<Tally> gate = Colony.actor(Tally::new).setName("stream-gate").remote();
    try (ObjectRefGenerator<String> gen =
        Colony.task(Streams::gated, "stream-gate").remoteGenerator()) {
      // Item 1 is produced only after we open the gate: we must get item 0 before that.
      assertEquals("item0", Colony.get(gen.next(120_000), 60_000));
      Colony.get(gate.task(Tally::add, 1).remote());
      assertEquals("item1", Colony.get(gen.next(120_000), 60_000));
      assertFalse(gen.hasNext());
    }
  }

  @Test
  void backPressurePausesTheTaskUntilItemsAreTaken() {
    ActorHandle<Tally> produced = Colony.actor(Tally::new).setName("stream-produced").remote();
    ObjectRefGenerator<Integer> gen =
        Colony.task(Streams::counted, "stream-produced", 20)
            .setGeneratorBackpressureNumObjects(2)
            .remoteGenerator();
    ObjectRef<Integer> first = gen.next(120_000);
    // Two unconsumed items fill the window: the task waits in its second report.
    long deadline = System.currentTimeMillis() + 120_000;
    while (Colony.get(produced.task(Tally::get).remote()) < 2) {
      assertTrue(System.currentTimeMillis() < deadline, "the task never produced 2 items");
    }
    assertTrue(Colony.wait(List.of(gen.completed()), 1, 2_000).getReady().isEmpty());
    assertTrue(Colony.get(produced.task(Tally::get).remote()) <= 3);
    List<Integer> rest = all(gen);
    assertEquals(0, Colony.get(first));
    assertEquals(19, rest.size());
    assertEquals(20, Colony.get(produced.task(Tally::get).remote()));
  }

  @Test
  void anErrorIsTheItemWhereItHappened() {
    ObjectRefGenerator<Integer> gen = Colony.task(Streams::failsAtThree).remoteGenerator();
    for (int i = 0; i < 3; i++) {
      assertEquals(i, Colony.get(gen.next(), 60_000));
    }
    ObjectRef<Integer> broken = gen.next();
    ColonyTaskException e =
        assertThrows(ColonyTaskException.class, () -> Colony.get(broken, 60_000));
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertFalse(gen.hasNext());
    assertEquals(4L, Colony.get(gen.completed(), 60_000));
  }

  @Test
  void cancelStopsAnEndlessTask() {
    ObjectRefGenerator<Long> gen = Colony.task(Streams::endless).remoteGenerator();
    assertEquals(0L, Colony.get(gen.next(120_000), 60_000));
    Colony.cancel(gen);
    // The stream ends (its last item, if any, is the task's failure) and the task ends.
    int left = 0;
    while (gen.hasNext()) {
      gen.next();
      assertTrue(++left < 1_000_000, "the stream did not end");
    }
    assertThrows(ColonyException.class, () -> Colony.get(gen.completed(), 120_000));
  }

  @Test
  void anActorMethodStreams() {
    ActorHandle<Tally> tally = Colony.actor(Tally::new).remote();
    ObjectRefGenerator<String> gen =
        tally.task(Tally::words, "to be or not").remoteGenerator();
    assertEquals(List.of("to", "be", "or", "not"), all(gen));
    assertEquals(4, Colony.get(tally.task(Tally::get).remote()));
  }

  @Test
  void pythonGeneratorsStreamToJava() {
    PyFunction<Long> countUp = PyFunction.of("colony_xlang_fixtures", "count_up", Long.class);
    assertEquals(List.of(0L, 1L, 2L), all(Colony.task(countUp, 3).remoteGenerator()));
    ObjectRefGenerator<Long> failing = Colony.task(countUp, -2).remoteGenerator();
    assertEquals(0L, Colony.get(failing.next(), 60_000));
    assertEquals(1L, Colony.get(failing.next(), 60_000));
    ObjectRef<Long> broken = failing.next();
    CrossLanguageException e =
        assertThrows(CrossLanguageException.class, () -> Colony.get(broken, 60_000));
    assertEquals("stopped after 2 items", e.getRemoteMessage());
    ActorHandle<PyActorClass> words =
        Colony.actor(PyActorClass.of("colony_xlang_fixtures", "Words")).remote();
    ObjectRefGenerator<String> split =
        words.task(PyActorMethod.of("split", String.class), "a b c").remoteGenerator();
    assertEquals(List.of("a", "b", "c"), all(split));
  }
}
