package io.colony.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.exception.ColonyActorException;
import io.colony.api.exception.ColonyTaskException;
import io.colony.api.exception.PendingCallsLimitExceededException;
import io.colony.api.options.ActorLifetime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ActorTest extends ClusterTestBase {
  @Test
  void callsRunInOrderOnTheActorsState() {
    ActorHandle<Counter> counter = Colony.actor(Counter::new, 10).remote();
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      refs.add(counter.task(Counter::increment, 1).remote());
    }
    for (int i = 0; i < 50; i++) {
      assertEquals(11 + i, Colony.get(refs.get(i)));
    }
    assertEquals(60, Colony.get(counter.task(Counter::get).remote()));
  }

  @Test
  void namedActorsAreFoundByName() {
    ActorHandle<Counter> counter =
        Colony.actor(Counter::new, 0).setName("java-named").setLifetime(ActorLifetime.NON_DETACHED)
            .remote();
    Colony.get(counter.task(Counter::increment, 5).remote());
    Optional<ActorHandle<Counter>> found = Colony.getActor("java-named");
    assertTrue(found.isPresent());
    assertEquals(6, Colony.get(found.get().task(Counter::increment, 1).remote()));
    assertFalse(Colony.getActor("no-such-actor").isPresent());
  }

  @Test
  void exceptionsComeBackWithTheirCause() {
    ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).remote();
    ColonyTaskException e =
        assertThrows(ColonyTaskException.class,
            () -> Colony.get(counter.task(Counter::failIfNegative, -1).remote()));
    assertInstanceOf(IllegalArgumentException.class, e.getCause());
    assertEquals(3, Colony.get(counter.task(Counter::failIfNegative, 3).remote()));
  }

  @Test
  void killedActorFailsCallsWithActorException() {
    ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).remote();
    Colony.get(counter.task(Counter::get).remote());
    counter.kill();
    assertThrows(ColonyActorException.class,
        () -> Colony.get(counter.task(Counter::get).remote(), 30000));
  }

  @Test
  void restartsAfterItsProcessDies() {
    // No task retries: a resent exitProcess would crash the restarted actor too.
    ActorHandle<Counter> counter =
        Colony.actor(Counter::new, 7)
            .setMaxRestarts(1)
            .setMaxTaskRetries(0)
            .setJvmOptions(List.of("-Dcolony.test.isolated=true")) // its crash hits no one else
            .remote();
    long firstPid = Colony.get(counter.task(Counter::pid).remote());
    ObjectRef<Integer> crash = counter.task(Counter::exitProcess).remote();
    assertThrows(RuntimeException.class, () -> Colony.get(crash, 30000));
    long secondPid = Colony.get(counter.task(Counter::pid).remote(), 30000);
    assertNotEquals(firstPid, secondPid);
    assertEquals(7, Colony.get(counter.task(Counter::get).remote()));  // state starts afresh
  }

  @Test
  void maxConcurrencyRunsCallsTogether() {
    ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).setMaxConcurrency(2).remote();
    ObjectRef<Boolean> a = counter.task(Counter::meet).remote();
    ObjectRef<Boolean> b = counter.task(Counter::meet).remote();
    assertTrue(Colony.get(a));
    assertTrue(Colony.get(b));
  }

  @Test
  void maxPendingCallsIsEnforced() {
    ActorHandle<Counter> counter = Colony.actor(Counter::new, 0).setMaxPendingCalls(2).remote();
    Colony.get(counter.task(Counter::get).remote());
    counter.task(Counter::sleepMs, 2000).remote();
    counter.task(Counter::sleepMs, 0).remote();
    assertThrows(PendingCallsLimitExceededException.class,
        () -> counter.task(Counter::sleepMs, 0).remote());
  }

  @Test
  void jvmOptionsGiveAnActorAJvmOfItsOwn() {
    ActorHandle<Counter> shared = Colony.actor(Counter::new, 0).remote();
    ActorHandle<Counter> own =
        Colony.actor(Counter::new, 0).setJvmOptions(List.of("-Dcolony.test.own=yes")).remote();
    assertNotEquals(Colony.get(shared.task(Counter::pid).remote()),
        Colony.get(own.task(Counter::pid).remote()));
    assertEquals("yes", Colony.get(own.task(Counter::property, "colony.test.own").remote()));
  }

  @Test
  void actorsShareJvms() {
    List<ActorHandle<Counter>> counters = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      counters.add(Colony.actor(Counter::new, i).remote());
    }
    java.util.Set<Long> pids = new java.util.HashSet<>();
    for (ActorHandle<Counter> c : counters) {
      pids.add(Colony.get(c.task(Counter::pid).remote()));
    }
    assertTrue(pids.size() < 4, "4 actors in " + pids.size() + " JVMs");
  }

  @Test
  void actorOptionsAreValidated() {
    assertThrows(IllegalArgumentException.class,
        () -> Colony.actor(Counter::new, 0).setMaxConcurrency(0));
    assertThrows(IllegalArgumentException.class,
        () -> Colony.actor(Counter::new, 0).setResource("", 1));
  }
}
