package io.colony.runtime.task;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.function.ColonyFunc1;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.api.function.PyFunction;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.CallOptions;
import io.colony.runtime.actor.ActorHandleImpl;
import io.colony.runtime.fixtures.MathJob;
import io.colony.runtime.fixtures.Point;
import io.colony.runtime.function.MethodReferences;
import io.colony.runtime.generated.Common.ActorCreationSpec;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.generated.Common.PythonFunctionDescriptor;
import io.colony.runtime.generated.Common.TaskArg;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.object.Refs;
import io.colony.runtime.serialization.ObjectSerializer;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Specs of calls from Java to Python functions and actors. */
class PythonSpecsTest {
  private final ObjectSerializer serializer =
      new ObjectSerializer(getClass().getClassLoader(), ReferenceTracker.NONE);
  private final TaskSpecBuilder builder = new TaskSpecBuilder(serializer);

  private Object argValue(TaskArg arg) {
    assertArrayEquals("XLANG".getBytes(US_ASCII), arg.getValue().getMetadata().toByteArray());
    return serializer.deserialize(
        arg.getValue().getMetadata().toByteArray(), arg.getValue().getData().toByteArray());
  }

  @Test
  void pythonTaskNamesModuleAndFunctionWithXlangArguments() {
    PyFunction<Long> add = PyFunction.of("pkg.jobs", "add", Long.class);
    TaskSpec spec =
        builder.pythonTask(
            add, new Object[] {1, "two", List.of(3.5)}, CallOptions.builder().build());
    assertEquals(Language.PYTHON, spec.getLanguage());
    assertEquals(Language.JAVA, spec.getCallerLanguage());
    PythonFunctionDescriptor fn = spec.getFunction().getPython();
    assertEquals("pkg.jobs", fn.getModuleName());
    assertEquals("add", fn.getQualname());
    assertEquals("", fn.getFunctionHash());
    assertEquals("", fn.getClassName());
    assertEquals("add", spec.getName());
    assertEquals(1, spec.getNumReturns());
    assertEquals(Map.of("CPU", 1.0), spec.getResourcesMap());
    assertEquals(3, spec.getMaxRetries());
    assertEquals(3, spec.getArgsCount());
    assertEquals(1L, argValue(spec.getArgs(0)));
    assertEquals("two", argValue(spec.getArgs(1)));
    assertEquals(List.of(3.5), argValue(spec.getArgs(2)));
  }

  @Test
  void pythonTaskOptions() {
    CallOptions options =
        CallOptions.builder()
            .setName("adder")
            .setResource("CPU", 2)
            .setMaxRetries(0)
            .setRetryExceptions(true)
            .build();
    TaskSpec spec = builder.pythonTask(PyFunction.of("m", "f"), new Object[0], options);
    assertEquals("adder", spec.getName());
    assertEquals(Map.of("CPU", 2.0), spec.getResourcesMap());
    assertEquals(0, spec.getMaxRetries());
    assertTrue(spec.getRetryExceptions());
  }

  @Test
  void pythonCalleesTakeStrategiesGroupsAndStreaming() {
    PyFunction<Long> gen = PyFunction.of("pkg.jobs", "gen", Long.class);
    CallOptions options =
        CallOptions.builder()
            .setSchedulingStrategy(
                new io.colony.api.scheduling.NodeLabelSchedulingStrategy(
                    Map.of("zone", io.colony.api.scheduling.LabelOperator.in("a"))))
            .build();
    TaskSpec spec = TaskSpecBuilder.streaming(builder.pythonTask(gen, new Object[] {3L}, options), 4);
    assertEquals(1, spec.getSchedulingStrategy().getHardLabelsCount());
    assertTrue(spec.getStreamingGenerator());
    assertEquals(4, spec.getGeneratorBackpressureNumObjects());
    assertEquals(1, spec.getNumReturns());
    ActorCreationSpec creation =
        builder
            .pythonActorCreation(
                PyActorClass.of("pkg.actors", "Counter"),
                new Object[0],
                ActorCreationOptions.builder().setConcurrencyGroups(Map.of("io", 3)).build())
            .getActorCreation();
    assertEquals(Map.of("io", 3), creation.getConcurrencyGroupsMap());
    ActorHandleImpl<PyActorClass> handle =
        new ActorHandleImpl<>(Refs.id(3, 16), Language.PYTHON, "Counter", "pkg.actors", -1, 0);
    TaskSpec call =
        builder.pythonActorTask(
            handle,
            PyActorMethod.of("get", Long.class),
            new Object[0],
            ActorCallOptions.builder().setConcurrencyGroup("io").build());
    assertEquals("io", call.getConcurrencyGroup());
  }

  @Test
  void refsGoByReferenceTopLevelAndAsExtensionTypeNested() {
    ObjectRefImpl<Object> top = Refs.ref(1);
    ObjectRefImpl<Object> nested = Refs.ref(2);
    TaskSpec spec =
        builder.pythonTask(
            PyFunction.of("m", "f"),
            new Object[] {top, List.of(nested)},
            CallOptions.builder().build());
    assertTrue(spec.getArgs(0).hasRef());
    assertArrayEquals(top.id(), spec.getArgs(0).getRef().getObjectId().toByteArray());
    assertEquals(1, spec.getArgs(1).getValue().getNestedRefsCount());
    assertEquals(List.of(nested), argValue(spec.getArgs(1)));
  }

  @Test
  void argumentsWithoutXlangFormFailAtSubmit() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                builder.pythonTask(
                    PyFunction.of("m", "f"),
                    new Object[] {1, new Point(1, 2, "p")},
                    CallOptions.builder().build()));
    assertTrue(
        e.getMessage()
            .startsWith(
                "cannot pass argument 1 of type "
                    + Point.class.getName()
                    + " to a PYTHON function: XLANG has no form for it"),
        e.getMessage());
  }

  @Test
  void pythonActorCreationNamesTheClass() {
    ActorCreationOptions options =
        ActorCreationOptions.builder()
            .setName("c")
            .setMaxConcurrency(2)
            .setMaxPendingCalls(5)
            .build();
    TaskSpec spec =
        builder.pythonActorCreation(
            PyActorClass.of("pkg.actors", "Counter"), new Object[] {10}, options);
    assertEquals(Language.PYTHON, spec.getLanguage());
    PythonFunctionDescriptor fn = spec.getFunction().getPython();
    assertEquals("pkg.actors", fn.getModuleName());
    assertEquals("Counter", fn.getQualname());
    assertEquals("", fn.getFunctionHash());
    assertEquals("Counter", spec.getName());
    ActorCreationSpec creation = spec.getActorCreation();
    assertEquals("Counter", creation.getClassName());
    assertEquals("c", creation.getName());
    assertEquals(2, creation.getMaxConcurrency());
    assertEquals(5, creation.getMaxPendingCalls());
    assertFalse(creation.getDetached());
    assertEquals(10L, argValue(spec.getArgs(0)));
  }

  @Test
  void pythonActorTaskSetsClassAndMethod() {
    ActorHandleImpl<Object> handle =
        new ActorHandleImpl<>(Refs.id(3, 16), Language.PYTHON, "Counter", "pkg.actors", -1, 0);
    TaskSpec spec =
        builder.pythonActorTask(
            handle,
            PyActorMethod.of("increment", Long.class),
            new Object[] {handle, 2},
            ActorCallOptions.builder().build());
    assertEquals(Language.PYTHON, spec.getLanguage());
    PythonFunctionDescriptor fn = spec.getFunction().getPython();
    assertEquals("Counter", fn.getClassName());
    assertEquals("increment", fn.getQualname());
    assertEquals("pkg.actors", fn.getModuleName());
    assertEquals("", fn.getFunctionHash());
    assertEquals("Counter.increment", spec.getName());
    assertEquals(handle, argValue(spec.getArgs(0))); // a handle is ext 3, by ID
    assertEquals(2L, argValue(spec.getArgs(1)));
  }

  @Test
  void javaSpecsSayTheCallerIsJava() {
    TaskSpec spec =
        builder.normalTask(
            MethodReferences.resolve((ColonyFunc1<Integer, Integer>) MathJob::square),
            new Object[] {1},
            CallOptions.builder().build());
    assertEquals(Language.JAVA, spec.getCallerLanguage());
  }
}
