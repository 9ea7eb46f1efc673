package io.colony.runtime.object;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ObjectRef;
import io.colony.api.exception.GetTimeoutException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

/** The caller's generator over a scripted core (which items, timeouts and end it reports). */
class ObjectRefGeneratorImplTest {
  private final byte[] taskId = Refs.id(7, ObjectIds.TASK_ID_SIZE);
  private final ObjectRefImpl<Long> end =
      new ObjectRefImpl<>(ObjectIds.forReturn(taskId, 1), Refs.address(1000), ReferenceTracker.NONE);
  private final RecordingTracker tracker = new RecordingTracker(true);
  private final ScriptedItems items = new ScriptedItems();
  private boolean taskFailed;
  private int cancels;

  private ObjectRefGeneratorImpl<Integer> generator() {
    return new ObjectRefGeneratorImpl<>(
        end, tracker, null, items, ref -> taskFailed, () -> cancels++);
  }

  @Test
  void itemsComeInOrderAndAreHeldByTheirRefsBeforeTheCoreLetsGo() {
    items.script.add(item(0));
    items.script.add(item(1));
    items.script.add(new GeneratorItems.Next(GeneratorItems.Kind.END, null));
    ObjectRefGeneratorImpl<Integer> gen = generator();
    List<ObjectRef<Integer>> seen = new ArrayList<>();
    for (ObjectRef<Integer> ref : gen) {
      seen.add(ref);
    }
    assertEquals(2, seen.size());
    assertArrayEquals(itemId(1), ((ObjectRefImpl<Integer>) seen.get(1)).id());
    String hex0 = HexFormat.of().formatHex(itemId(0));
    assertEquals("add:" + hex0, tracker.events.get(0));
    assertEquals(List.of("next:0", "consumed:0", "next:1", "consumed:1", "next:2", "stop:true"),
        items.calls);
    assertFalse(gen.hasNext());
    assertThrows(NoSuchElementException.class, gen::next);
  }

  @Test
  void aFailedTaskIsTheLastItem() {
    items.script.add(item(0));
    items.script.add(new GeneratorItems.Next(GeneratorItems.Kind.END, null));
    taskFailed = true;
    ObjectRefGeneratorImpl<Integer> gen = generator();
    gen.next();
    assertTrue(gen.hasNext());
    assertSame(end, gen.next());
    assertFalse(gen.hasNext());
  }

  @Test
  void aTimeoutLeavesTheGeneratorUsable() {
    items.script.add(new GeneratorItems.Next(GeneratorItems.Kind.TIMED_OUT, null));
    items.script.add(item(0));
    ObjectRefGeneratorImpl<Integer> gen = generator();
    GetTimeoutException e = assertThrows(GetTimeoutException.class, () -> gen.next(50));
    assertEquals("no item 0 of the streaming task within 50 ms", e.getMessage());
    assertArrayEquals(itemId(0), ((ObjectRefImpl<Integer>) gen.next(50)).id());
    assertThrows(IllegalArgumentException.class, () -> gen.next(-1));
  }

  @Test
  void cancelStopsTheItemsAndCancelsTheTaskAndCloseForgetsOnce() {
    ObjectRefGeneratorImpl<Integer> gen = generator();
    gen.cancel();
    assertEquals(List.of("stop:false"), items.calls);
    assertEquals(1, cancels);
    gen.close();
    gen.close();
    assertEquals(List.of("stop:false", "stop:true"), items.calls);
    assertFalse(gen.hasNext());
    assertSame(end, gen.completed());
  }

  private byte[] itemId(int index) {
    return ObjectIds.forReturn(taskId, index + 2);
  }

  private GeneratorItems.Next item(int index) {
    return new GeneratorItems.Next(GeneratorItems.Kind.ITEM, itemId(index));
  }

  /** Answers next() from a script; records every call. */
  private final class ScriptedItems implements GeneratorItems {
    final Deque<Next> script = new ArrayDeque<>();
    final List<String> calls = new ArrayList<>();

    @Override
    public Next next(byte[] task, long index, long timeoutMs) {
      assertArrayEquals(taskId, task);
      calls.add("next:" + index);
      return script.isEmpty() ? new Next(Kind.TIMED_OUT, null) : script.poll();
    }

    @Override
    public void consumed(byte[] task, long index) {
      calls.add("consumed:" + index);
    }

    @Override
    public void stop(byte[] task, boolean forget) {
      calls.add("stop:" + forget);
    }
  }
}
