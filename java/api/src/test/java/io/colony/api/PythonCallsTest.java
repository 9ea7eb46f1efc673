package io.colony.api;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.function.PyFunction;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.CallOptions;
import io.colony.api.runtime.ColonyRuntime;
import io.colony.api.runtime.RuntimeHolder;
import java.lang.invoke.MethodHandles;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Java calling Python: what the API hands the runtime. */
class PythonCallsTest {
  private final RecordingRuntime runtime = new RecordingRuntime();

  @AfterEach
  void uninstall() {
    RuntimeHolder.uninstall();
  }

  @Test
  void pyFunctionNamesModuleFunctionAndReturnType() {
    PyFunction<Long> add = PyFunction.of("pkg.jobs", "add", Long.class);
    assertEquals("pkg.jobs", add.getModuleName());
    assertEquals("add", add.getFunctionName());
    assertEquals(Long.class, add.getReturnType());
    assertEquals(Object.class, PyFunction.of("m", "f").getReturnType());
    assertEquals(add, PyFunction.of("pkg.jobs", "add", Long.class));
    assertEquals("PyFunction(pkg.jobs.add)", add.toString());
  }

  @Test
  void pythonNamesAreChecked() {
    assertThrows(IllegalArgumentException.class, () -> PyFunction.of("", "f"));
    assertThrows(IllegalArgumentException.class, () -> PyFunction.of("m", null));
    assertThrows(IllegalArgumentException.class, () -> PyFunction.of("a..b", "f"));
    assertThrows(IllegalArgumentException.class, () -> PyFunction.of("m", "1f"));
    assertThrows(NullPointerException.class, () -> PyFunction.of("m", "f", null));
    assertThrows(IllegalArgumentException.class, () -> PyActorClass.of("m", "A-B"));
    assertThrows(IllegalArgumentException.class, () -> PyActorMethod.of("a.b"));
    assertEquals("Outer.Inner", PyActorClass.of("m", "Outer.Inner").getClassName());
    assertEquals("_private2", PyActorMethod.of("_private2").getName());
  }

  @Test
  void taskSubmitsThePythonFunctionWithItsOptions() {
    RuntimeHolder.install(runtime);
    PyFunction<Long> add = PyFunction.of("pkg.jobs", "add", Long.class);
    ObjectRef<Long> ref = Colony.task(add, 1, "two", null).setResource("CPU", 2).remote();
    assertEquals("py-task", ref.getId());
    Object[] call = runtime.last();
    assertEquals("submitPythonTask", call[0]);
    assertSame(add, call[1]);
    assertArrayEquals(new Object[] {1, "two", null}, (Object[]) call[2]);
    assertEquals(Map.of("CPU", 2.0), ((CallOptions) call[3]).getResources());
    Colony.task(add).remote();
    assertEquals(0, ((Object[]) runtime.last()[2]).length);
  }

  @Test
  void pythonActorsAreCreatedAndCalledThroughTheirHandle() {
    RuntimeHolder.install(runtime);
    PyActorClass counterClass = PyActorClass.of("pkg.actors", "Counter");
    ActorHandle<PyActorClass> counter =
        Colony.actor(counterClass, 10)
            .setName("c")
            .setNamespace("ns")
            .setMaxConcurrency(2)
            .setGetIfExists(true)
            .remote();
    Object[] create = runtime.last();
    assertEquals("createPythonActor", create[0]);
    assertSame(counterClass, create[1]);
    assertArrayEquals(new Object[] {10}, (Object[]) create[2]);
    assertEquals("c", ((ActorCreationOptions) create[3]).getName());
    assertEquals("ns", ((ActorCreationOptions) create[3]).getNamespace());
    assertEquals(2, ((ActorCreationOptions) create[3]).getMaxConcurrency());
    assertTrue(((ActorCreationOptions) create[3]).isGetIfExists());
    assertTrue(((ActorCreationOptions) create[3]).getJvmOptions().isEmpty());

    PyActorMethod<Long> increment = PyActorMethod.of("increment", Long.class);
    ObjectRef<Long> n = counter.task(increment, 1).setName("inc").remote();
    assertEquals("py-call", n.getId());
    Object[] call = runtime.last();
    assertEquals("submitPythonActorTask", call[0]);
    assertSame(counter, call[1]);
    assertSame(increment, call[2]);
    assertArrayEquals(new Object[] {1}, (Object[]) call[3]);
    assertEquals("inc", ((ActorCallOptions) call[4]).getName());
    ObjectRef<Object> untyped = counter.task(PyActorMethod.of("get")).remote();
    assertEquals("py-call", untyped.getId());
  }

  @Test
  void nullFunctionsAndArgumentArraysAreRejected() {
    RuntimeHolder.install(runtime);
    assertThrows(NullPointerException.class, () -> Colony.task((PyFunction<Object>) null, 1));
    assertThrows(
        NullPointerException.class, () -> Colony.task(PyFunction.of("m", "f"), (Object[]) null));
    assertThrows(NullPointerException.class, () -> Colony.actor((PyActorClass) null));
    assertTrue(runtime.calls.isEmpty());
  }

  @Test
  void runtimesWithoutPythonSupportSaySo() {
    // A runtime implementing only the Java methods gets the SPI's defaults.
    InvocationHandler onlyDefaults =
        (proxy, method, args) -> {
          if (!method.isDefault()) {
            throw new AssertionError(method.getName());
          }
          return MethodHandles.privateLookupIn(ColonyRuntime.class, MethodHandles.lookup())
              .unreflectSpecial(method, ColonyRuntime.class)
              .bindTo(proxy)
              .invokeWithArguments(args);
        };
    ColonyRuntime bare =
        (ColonyRuntime)
            Proxy.newProxyInstance(
                getClass().getClassLoader(), new Class<?>[] {ColonyRuntime.class}, onlyDefaults);
    RuntimeHolder.install(bare);
    UnsupportedOperationException e =
        assertThrows(
            UnsupportedOperationException.class,
            () -> Colony.task(PyFunction.of("m", "f"), List.of()).remote());
    assertTrue(e.getMessage().contains("cannot call Python"));
  }
}
