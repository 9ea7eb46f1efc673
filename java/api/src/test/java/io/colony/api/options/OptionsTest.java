package io.colony.api.options;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.Test;

class OptionsTest {
  @Test
  void taskDefaultsAskForOneCpuAndThreeRetries() {
    CallOptions options = CallOptions.builder().build();
    assertEquals(Map.of("CPU", 1.0), options.getResources());
    assertEquals(3, options.getMaxRetries());
    assertFalse(options.isRetryExceptions());
    assertEquals(null, options.getName());
  }

  @Test
  void taskOptionsAreKept() {
    CallOptions options =
        CallOptions.builder()
            .setResource("CPU", 0)
            .setResource("GPU", 0.5)
            .setMaxRetries(-1)
            .setRetryExceptions(true)
            .setName("square")
            .build();
    assertEquals(Map.of("CPU", 0.0, "GPU", 0.5), options.getResources());
    assertEquals(-1, options.getMaxRetries());
    assertTrue(options.isRetryExceptions());
    assertEquals("square", options.getName());
  }

  @Test
  void badTaskOptionsAreRejectedWithTheirValue() {
    CallOptions.Builder builder = CallOptions.builder();
    assertMessage(
        "maxRetries must be >= 0, or -1 for no limit, got -2", () -> builder.setMaxRetries(-2));
    assertMessage("resource name must be a non-empty string", () -> builder.setResource("", 1));
    assertMessage("resource name must be a non-empty string", () -> builder.setResource(null, 1));
    assertMessage(
        "resource GPU must be a finite amount >= 0, got -1.0",
        () -> builder.setResource("GPU", -1));
    assertMessage(
        "resource CPU must be a finite amount >= 0, got NaN",
        () -> builder.setResource("CPU", Double.NaN));
    assertMessage(
        "resource CPU must be a finite amount >= 0, got Infinity",
        () -> builder.setResource("CPU", Double.POSITIVE_INFINITY));
    assertMessage(
        "resource GPU: quantities above 1 must be whole numbers, got 2.5",
        () -> builder.setResource("GPU", 2.5));
    builder.setResource("GPU", 0.5); // a fraction of one unit is shareable
    assertMessage(
        "name must be a non-empty string; leave it unset for the default",
        () -> builder.setName(" "));
  }

  @Test
  void actorDefaultsHoldNoCpuAndRunOneCallAtATime() {
    ActorCreationOptions options = ActorCreationOptions.builder().build();
    assertTrue(options.getResources().isEmpty());
    assertEquals(ActorLifetime.NON_DETACHED, options.getLifetime());
    assertEquals(0, options.getMaxRestarts());
    assertEquals(0, options.getMaxTaskRetries());
    assertEquals(1, options.getMaxConcurrency());
    assertEquals(-1, options.getMaxPendingCalls());
    assertFalse(options.isGetIfExists());
  }

  @Test
  void actorOptionsAreKept() {
    ActorCreationOptions options =
        ActorCreationOptions.builder()
            .setName("counter")
            .setNamespace("jobs")
            .setLifetime(ActorLifetime.DETACHED)
            .setResource("CPU", 1)
            .setMaxRestarts(-1)
            .setMaxTaskRetries(2)
            .setMaxConcurrency(4)
            .setMaxPendingCalls(10)
            .setGetIfExists(true)
            .build();
    assertEquals("counter", options.getName());
    assertEquals("jobs", options.getNamespace());
    assertEquals(ActorLifetime.DETACHED, options.getLifetime());
    assertEquals(Map.of("CPU", 1.0), options.getResources());
    assertEquals(-1, options.getMaxRestarts());
    assertEquals(2, options.getMaxTaskRetries());
    assertEquals(4, options.getMaxConcurrency());
    assertEquals(10, options.getMaxPendingCalls());
    assertTrue(options.isGetIfExists());
  }

  @Test
  void badActorOptionsAreRejectedWithTheirValue() {
    ActorCreationOptions.Builder builder = ActorCreationOptions.builder();
    assertMessage(
        "maxRestarts must be >= 0, or -1 for no limit, got -5", () -> builder.setMaxRestarts(-5));
    assertMessage(
        "maxTaskRetries must be >= 0, or -1 for no limit, got -2",
        () -> builder.setMaxTaskRetries(-2));
    assertMessage("maxConcurrency must be >= 1, got 0", () -> builder.setMaxConcurrency(0));
    assertMessage(
        "maxPendingCalls must be >= 1, or -1 for no limit, got 0",
        () -> builder.setMaxPendingCalls(0));
    assertMessage(
        "maxPendingCalls must be >= 1, or -1 for no limit, got -3",
        () -> builder.setMaxPendingCalls(-3));
    assertMessage(
        "lifetime must be DETACHED or NON_DETACHED, got null", () -> builder.setLifetime(null));
    assertMessage(
        "namespace must be a non-empty string; leave it unset for the default",
        () -> builder.setNamespace(""));
  }

  @Test
  void getIfExistsNeedsAName() {
    ActorCreationOptions.Builder builder = ActorCreationOptions.builder().setGetIfExists(true);
    assertMessage("getIfExists needs a name: call setName first", builder::build);
  }

  @Test
  void actorCallNameMustNotBeEmpty() {
    assertMessage(
        "name must be a non-empty string; leave it unset for the default",
        () -> ActorCallOptions.builder().setName(""));
    assertEquals("inc", ActorCallOptions.builder().setName("inc").build().getName());
  }

  private static void assertMessage(String expected, Runnable action) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
    assertEquals(expected, e.getMessage());
  }

  @Test
  void concurrencyGroupsAreCheckedAndKept() {
    ActorCreationOptions.Builder builder = ActorCreationOptions.builder();
    assertEquals(Map.of(), builder.build().getConcurrencyGroups());
    assertEquals(
        Map.of("io", 2), builder.setConcurrencyGroups(Map.of("io", 2)).build().getConcurrencyGroups());
    IllegalArgumentException zero =
        assertThrows(
            IllegalArgumentException.class, () -> builder.setConcurrencyGroups(Map.of("io", 0)));
    assertEquals("concurrencyGroups['io'] must be >= 1, got 0", zero.getMessage());
    IllegalArgumentException empty =
        assertThrows(
            IllegalArgumentException.class, () -> builder.setConcurrencyGroups(Map.of("", 1)));
    assertEquals("concurrencyGroups: group names must be non-empty strings", empty.getMessage());
    assertEquals(Map.of("io", 2), builder.build().getConcurrencyGroups()); // kept after a refusal
    IllegalArgumentException call =
        assertThrows(
            IllegalArgumentException.class,
            () -> ActorCallOptions.builder().setConcurrencyGroup(""));
    assertEquals(
        "concurrencyGroup must be a non-empty string; leave it unset for the default",
        call.getMessage());
  }

}
