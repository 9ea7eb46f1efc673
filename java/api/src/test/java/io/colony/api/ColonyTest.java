package io.colony.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.ActorLifetime;
import io.colony.api.options.CallOptions;
import io.colony.api.runtime.RuntimeHolder;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ColonyTest {
  static int square(int x) {
    return x * x;
  }

  static void log(String line) {}

  static final class Counter {
    private int count;

    Counter(int start) {
      count = start;
    }

    int add(int delta) {
      return count += delta;
    }

    void reset() {
      count = 0;
    }
  }

  private final RecordingRuntime runtime = new RecordingRuntime();

  @AfterEach
  void uninstall() {
    RuntimeHolder.uninstall();
  }

  @Test
  void callsBeforeInitSayToCallInit() {
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> Colony.put(1));
    assertEquals("Colony is not initialized: call Colony.init() first", e.getMessage());
    assertThrows(IllegalStateException.class, () -> Colony.task(ColonyTest::square, 2).remote());
    assertFalse(Colony.isInitialized());
  }

  @Test
  void initWithoutRuntimeOnClassPathSaysWhatToAdd() {
    IllegalStateException e = assertThrows(IllegalStateException.class, Colony::init);
    assertEquals(
        "no Colony runtime on the class path: add the io.colony:colony-runtime artifact",
        e.getMessage());
  }

  @Test
  void initTwiceIsRejected() {
    RuntimeHolder.install(runtime);
    assertTrue(Colony.isInitialized());
    IllegalStateException e = assertThrows(IllegalStateException.class, Colony::init);
    assertEquals("Colony.init() was already called; call Colony.shutdown() first", e.getMessage());
  }

  @Test
  void shutdownStopsTheRuntimeOnce() {
    RuntimeHolder.install(runtime);
    Colony.shutdown();
    Colony.shutdown();
    assertEquals(1, runtime.calls.size());
    assertEquals("shutdown", runtime.last()[0]);
    assertFalse(Colony.isInitialized());
  }

  @Test
  void taskPassesFunctionArgumentsAndOptions() {
    RuntimeHolder.install(runtime);
    ObjectRef<Integer> ref =
        Colony.task(ColonyTest::square, 3)
            .setResource("GPU", 1)
            .setMaxRetries(0)
            .setRetryExceptions(true)
            .setName("sq")
            .remote();
    assertEquals("task", ref.getId());
    Object[] call = runtime.last();
    assertEquals("submitTask", call[0]);
    assertArrayEquals(new Object[] {3}, (Object[]) call[2]);
    CallOptions options = (CallOptions) call[3];
    assertEquals(Map.of("CPU", 1.0, "GPU", 1.0), options.getResources());
    assertEquals(0, options.getMaxRetries());
    assertTrue(options.isRetryExceptions());
    assertEquals("sq", options.getName());
  }

  @Test
  void voidFunctionsAndRefArgumentsAreAccepted() {
    RuntimeHolder.install(runtime);
    ObjectRef<String> line = Colony.put("hello");
    ObjectRef<Void> done = Colony.task(ColonyTest::log, line).remote();
    assertEquals("task", done.getId());
    assertSame(line, ((Object[]) runtime.last()[2])[0]);
  }

  @Test
  void badTaskOptionFailsAtOnce() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Colony.task(ColonyTest::square, 3).setMaxRetries(-2));
    assertEquals("maxRetries must be >= 0, or -1 for no limit, got -2", e.getMessage());
  }

  @Test
  void actorCreationAndCallsPassOptions() {
    RuntimeHolder.install(runtime);
    ActorHandle<Counter> counter =
        Colony.actor(Counter::new, 5)
            .setName("c")
            .setLifetime(ActorLifetime.DETACHED)
            .setJvmOptions(List.of("-Xmx64m")) // Java-only, between shared options: still chains
            .setMaxConcurrency(2)
            .remote();
    assertEquals("createActor", runtime.last()[0]);
    ActorCreationOptions creation = (ActorCreationOptions) runtime.last()[3];
    assertEquals("c", creation.getName());
    assertEquals(ActorLifetime.DETACHED, creation.getLifetime());
    assertEquals(List.of("-Xmx64m"), creation.getJvmOptions());
    assertEquals(2, creation.getMaxConcurrency());

    ObjectRef<Integer> sum = counter.task(Counter::add, 2).setName("add2").remote();
    assertEquals("call", sum.getId());
    Object[] call = runtime.last();
    assertSame(counter, call[1]);
    assertArrayEquals(new Object[] {2}, (Object[]) call[3]);
    assertEquals("add2", ((ActorCallOptions) call[4]).getName());

    counter.task(Counter::reset).remote();
    assertArrayEquals(new Object[0], (Object[]) runtime.last()[3]);
    counter.kill();
    assertEquals(true, runtime.last()[2]);
  }

  @Test
  void putOfARefIsRejected() {
    RuntimeHolder.install(runtime);
    ObjectRef<Integer> ref = Colony.put(1);
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Colony.put(ref));
    assertEquals(
        "Colony.put() of an ObjectRef is not allowed: it already refers to an object",
        e.getMessage());
  }

  @Test
  void getAndWaitCheckTheirArguments() {
    RuntimeHolder.install(runtime);
    ObjectRef<Integer> a = Colony.put(1);
    ObjectRef<Integer> b = Colony.put(2);
    assertThrows(IllegalArgumentException.class, () -> Colony.get(a, -1));
    assertThrows(NullPointerException.class, () -> Colony.get((ObjectRef<Integer>) null));
    IllegalArgumentException twice =
        assertThrows(IllegalArgumentException.class, () -> Colony.wait(List.of(a, a)));
    assertEquals("Colony.wait() got the same ObjectRef twice", twice.getMessage());
    IllegalArgumentException range =
        assertThrows(IllegalArgumentException.class, () -> Colony.wait(List.of(a, b), 3));
    assertEquals(
        "numReturns must be between 0 and the number of refs (2), got 3", range.getMessage());
    Colony.wait(List.of(a, b), 1, 50);
    assertEquals(1, runtime.last()[2]);
    assertEquals(50L, runtime.last()[3]);
    Colony.wait(List.of(a, b));
    assertEquals(2, runtime.last()[2]);
    assertEquals(-1L, runtime.last()[3]);
  }

  @Test
  void getActorNeedsAName() {
    RuntimeHolder.install(runtime);
    assertThrows(IllegalArgumentException.class, () -> Colony.getActor(""));
    assertTrue(Colony.getActor("c").isEmpty());
    assertEquals(null, runtime.last()[2]);
  }
}
