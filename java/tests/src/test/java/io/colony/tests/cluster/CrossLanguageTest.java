package io.colony.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.exception.CrossLanguageException;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.function.PyFunction;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Java calling Python (and back) on a real cluster: the Python module is {@code
 * colony_xlang_fixtures.py} in the test resources, found through the job's code search path.
 */
class CrossLanguageTest extends ClusterTestBase {
  private static final String MODULE = "colony_xlang_fixtures";

  private static <R> PyFunction<R> py(String name, Class<R> type) {
    return PyFunction.of(MODULE, name, type);
  }

  @Test
  void pythonFunctionResultsConvertToTheRequestedType() {
    ObjectRef<Integer> sum = Colony.task(py("add", Integer.class), 1, 2).remote();
    assertEquals(3, Colony.get(sum));
    assertEquals(
        "hello world",
        Colony.get(Colony.task(py("add", String.class), "hello ", "world").remote()));
    assertEquals(2.5, Colony.get(Colony.task(py("add", Double.class), 1, 1.5).remote()));
  }

  @Test
  void valuesCrossBothWays() {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("list", Arrays.asList(1, "two", 3.5, null, true));
    map.put("big", BigInteger.ONE.shiftLeft(100));
    Object back = Colony.get(Colony.task(PyFunction.of(MODULE, "echo"), map).remote());
    Map<?, ?> echoed = assertInstanceOf(Map.class, back);
    assertEquals(Arrays.asList(1L, "two", 3.5, null, true), echoed.get("list"));
    assertEquals(BigInteger.ONE.shiftLeft(100), echoed.get("big"));
    assertArrayEquals(
        new byte[] {1, 2},
        Colony.get(Colony.task(py("echo", byte[].class), new byte[] {1, 2}).remote()));
    assertEquals(
        "bytes", Colony.get(Colony.task(py("describe", String.class), new byte[0]).remote()));
    assertEquals(
        "list", Colony.get(Colony.task(py("describe", String.class), new int[] {1}).remote()));
  }

  @Test
  void refsToRawBytesAreReadByPython() {
    ObjectRef<byte[]> data = Colony.put(new byte[] {1, 2, 3});
    assertEquals(3, Colony.get(Colony.task(py("length", Integer.class), data).remote()));
  }

  @Test
  void pythonExceptionsAreCrossLanguageExceptions() {
    ObjectRef<Object> ref = Colony.task(PyFunction.of(MODULE, "fail"), "bad input").remote();
    CrossLanguageException e = assertThrows(CrossLanguageException.class, () -> Colony.get(ref));
    assertEquals("PYTHON", e.getLanguage());
    assertTrue(e.getTypeName().endsWith("ValueError"), e.getTypeName());
    assertEquals("bad input", e.getRemoteMessage());
    assertTrue(e.getRemoteStackTrace().contains("fail"), e.getRemoteStackTrace());
  }

  @Test
  void unknownPythonFunctionsFailNamingThem() {
    ObjectRef<Object> ref = Colony.task(PyFunction.of(MODULE, "no_such_function")).remote();
    CrossLanguageException e = assertThrows(CrossLanguageException.class, () -> Colony.get(ref));
    assertTrue(e.getMessage().contains("no_such_function"), e.getMessage());
  }

  @Test
  void argumentsWithoutXlangFormFailAtSubmit() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Colony.task(PyFunction.of(MODULE, "echo"), new Object()).remote());
    assertTrue(
        e.getMessage()
            .startsWith("cannot pass argument 0 of type java.lang.Object to a PYTHON function"));
  }

  @Test
  void pythonActorsAreCreatedAndCalled() {
    ActorHandle<PyActorClass> counter =
        Colony.actor(PyActorClass.of(MODULE, "Counter"), 10).remote();
    PyActorMethod<Long> increment = PyActorMethod.of("increment", Long.class);
    assertEquals(11L, Colony.get(counter.task(increment, 1).remote()));
    assertEquals(13L, Colony.get(counter.task(increment, 2).remote()));
    assertEquals(13, Colony.get(counter.task(PyActorMethod.of("get", Integer.class)).remote()));
    // The handle crosses to a Python task as an XLANG actor handle.
    assertEquals(18L, Colony.get(Colony.task(py("call_actor", Long.class), counter, 5).remote()));
  }

  @Test
  void pythonTasksCallJavaBack() {
    ObjectRef<Long> sum =
        Colony.task(py("call_java", Long.class), MathJob.class.getName(), "add", 20, 22).remote();
    assertEquals(42L, Colony.get(sum));
    ObjectRef<Object> failed =
        Colony.task(PyFunction.of(MODULE, "call_java"), MathJob.class.getName(), "fail", "no")
            .remote();
    CrossLanguageException e = assertThrows(CrossLanguageException.class, () -> Colony.get(failed));
    // The Java exception surfaces through the Python task (which may re-raise it as its own).
    assertTrue(
        e.getMessage().contains(IllegalStateException.class.getName() + ": no"), e.getMessage());
  }
}
