package io.colony.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Concurrency groups of Java actors, run by the core's task receiver (a queue and threads per
 * group). Calls that wait for each other prove the threads; no timing is measured.
 */
class ConcurrencyGroupTest extends ClusterTestBase {
  @Test
  void aGroupRunsWhileTheDefaultGroupIsBusy() {
    ActorHandle<GroupedActor> actor =
        Colony.actor(GroupedActor::new).setConcurrencyGroups(Map.of("io", 2)).remote();
    // The default group's only thread waits for a call of group "io": without a thread of
    // its own, release() would queue behind it.
    ObjectRef<Boolean> waiting = actor.task(GroupedActor::waitForRelease).remote();
    assertTrue(Colony.get(actor.task(GroupedActor::release).remote(), 120_000));
    assertTrue(Colony.get(waiting, 120_000));
  }

  @Test
  void aGroupRunsAsManyCallsAtOnceAsDeclared() {
    ActorHandle<GroupedActor> actor =
        Colony.actor(GroupedActor::new).setConcurrencyGroups(Map.of("io", 2)).remote();
    ObjectRef<Boolean> first = actor.task(GroupedActor::meet).remote();
    ObjectRef<Boolean> second = actor.task(GroupedActor::meet).remote();
    assertTrue(Colony.get(first, 180_000));
    assertTrue(Colony.get(second, 180_000));
  }

  @Test
  void aCallMayNameTheGroupItRunsIn() {
    ActorHandle<GroupedActor> actor =
        Colony.actor(GroupedActor::new).setConcurrencyGroups(Map.of("io", 1)).remote();
    ObjectRef<Boolean> waiting = actor.task(GroupedActor::waitForRelease).remote();
    ObjectRef<Boolean> released =
        actor.task(GroupedActor::releaseFromAnyGroup).setConcurrencyGroup("io").remote();
    assertTrue(Colony.get(released, 120_000));
    assertTrue(Colony.get(waiting, 120_000));
  }

  @Test
  void groupsAreCheckedAtTheCallSite() {
    ActorHandle<GroupedActor> actor =
        Colony.actor(GroupedActor::new).setConcurrencyGroups(Map.of("io", 1)).remote();
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> actor.task(GroupedActor::threadName).setConcurrencyGroup("gpu").remote());
    assertEquals(
        "GroupedActor.threadName: concurrency group 'gpu' is not one of the actor's [io]",
        e.getMessage());
    IllegalArgumentException created =
        assertThrows(
            IllegalArgumentException.class,
            () -> Colony.actor(UndeclaredGroupActor::new).remote());
    assertEquals(
        "UndeclaredGroupActor: @ConcurrencyGroup names groups the actor does not declare "
            + "(UndeclaredGroupActor.work uses 'compute'); declared: [] (setConcurrencyGroups)",
        created.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> Colony.actor(GroupedActor::new).setConcurrencyGroups(Map.of("io", 0)));
  }

  @Test
  void aHandleFromTheGcsKnowsTheGroups() {
    Colony.actor(GroupedActor::new)
        .setName("grouped")
        .setConcurrencyGroups(Map.of("io", 1))
        .remote();
    Optional<ActorHandle<GroupedActor>> found = Colony.getActor("grouped");
    assertTrue(found.isPresent());
    assertThrows(
        IllegalArgumentException.class,
        () -> found.get().task(GroupedActor::threadName).setConcurrencyGroup("gpu").remote());
    ObjectRef<Boolean> waiting = found.get().task(GroupedActor::waitForRelease).remote();
    assertTrue(Colony.get(found.get().task(GroupedActor::release).remote(), 120_000));
    assertTrue(Colony.get(waiting, 120_000));
  }
}
