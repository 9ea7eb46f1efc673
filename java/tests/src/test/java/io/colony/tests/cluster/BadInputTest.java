package io.colony.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.exception.ColonyException;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * A table of bad API input on a live cluster: each case fails with an error that names the
 * problem, and the cluster still runs work afterwards (the Python SDK's table is
 * tests/python/test_bad_api_input.py).
 */
class BadInputTest extends ClusterTestBase {
  private static final String MODULE = "colony_xlang_fixtures";

  private record Case(String what, Class<? extends Throwable> error, String needle,
      Supplier<?> action) {}

  private static List<Case> cases() {
    return List.of(
        new Case("a value the serializer cannot write", IllegalArgumentException.class,
            "could not serialize", () -> Colony.put(new Object() {
              private final Thread notSerializable = Thread.currentThread();
            })),
        new Case("fractional resource above one", IllegalArgumentException.class,
            "resource GPU: quantities above 1 must be whole numbers, got 1.5",
            () -> Colony.task(MathJob::square, 2).setResource("GPU", 1.5)),
        new Case("negative resource", IllegalArgumentException.class,
            "resource memory must be a finite amount >= 0, got -1.0",
            () -> Colony.task(MathJob::square, 2).setResource("memory", -1)),
        new Case("retries below -1", IllegalArgumentException.class, "maxRetries",
            () -> Colony.task(MathJob::square, 2).setMaxRetries(-5)),
        new Case("an empty actor name", IllegalArgumentException.class, "non-empty actor name",
            () -> Colony.getActor("")),
        new Case("a Python method that does not exist", ColonyException.class, "no_such_method",
            () -> {
              ActorHandle<PyActorClass> counter =
                  Colony.actor(PyActorClass.of(MODULE, "Counter"), 0).remote();
              return Colony.get(
                  counter.task(PyActorMethod.of("no_such_method", Long.class)).remote());
            }));
  }

  @Test
  void eachBadInputGetsAnErrorNamingTheProblemAndTheClusterStaysHealthy() {
    for (Case c : cases()) {
      Throwable e = assertThrows(c.error(), c.action()::get, c.what());
      assertTrue(String.valueOf(e.getMessage()).contains(c.needle()),
          c.what() + ": message was: " + e.getMessage());
    }
    assertTrue(Colony.getActor("no-such-actor").isEmpty(), "an unknown actor name is absent");
    ObjectRef<Integer> ref = Colony.task(MathJob::square, 7).remote();
    assertEquals(49, Colony.get(ref));
  }
}
