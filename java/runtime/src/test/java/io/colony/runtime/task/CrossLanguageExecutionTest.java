package io.colony.runtime.task;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.colony.api.exception.CrossLanguageException;
import io.colony.runtime.fixtures.MathJob;
import io.colony.runtime.fixtures.Point;
import io.colony.runtime.fixtures.XlangCounter;
import io.colony.runtime.fixtures.XlangJob;
import io.colony.runtime.function.FunctionResolver;
import io.colony.runtime.generated.Common.FunctionDescriptor;
import io.colony.runtime.generated.Common.JavaFunctionDescriptor;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.generated.Common.TaskType;
import io.colony.runtime.generated.CoreWorker.PushTaskReply;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.object.Refs;
import io.colony.runtime.serialization.ObjectSerializer;
import io.colony.runtime.serialization.SerializedValue;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Tasks called from Python: by name and arity, XLANG arguments, returns and errors. */
class CrossLanguageExecutionTest {
  private static final String JOB = XlangJob.class.getName();
  private static final String COUNTER = XlangCounter.class.getName();
  private static final AtomicInteger NEXT_ID = new AtomicInteger(100);

  private final ObjectSerializer serializer =
      new ObjectSerializer(getClass().getClassLoader(), ReferenceTracker.NONE);
  private final TaskExecutor executor =
      new TaskExecutor(
          new FunctionResolver(getClass().getClassLoader()), serializer, ReturnWriter.INLINE);

  /** A spec as a Python caller's core worker sends it. */
  private static TaskSpec pythonCall(String cls, String method, TaskType type, int argCount) {
    return TaskSpec.newBuilder()
        .setTaskId(ByteString.copyFrom(Refs.id(NEXT_ID.getAndIncrement(), 16)))
        .setType(type)
        .setLanguage(Language.JAVA)
        .setCallerLanguage(Language.PYTHON)
        .setFunction(
            FunctionDescriptor.newBuilder()
                .setJava(
                    JavaFunctionDescriptor.newBuilder()
                        .setClassName(cls)
                        .setMethodName(method)
                        .setSignature("")))
        .setName(method)
        .setNumReturns(1)
        .build();
  }

  private PushTaskReply call(TaskSpec spec, Object... args) {
    byte[][] metadata = new byte[args.length][];
    byte[][] data = new byte[args.length][];
    for (int i = 0; i < args.length; i++) {
      SerializedValue value = serializer.serializeXlang(args[i], "argument " + i, "JAVA");
      metadata[i] = value.metadata();
      data[i] = value.data();
    }
    return executor.execute(spec, metadata, data);
  }

  private PushTaskReply task(String method, Object... args) {
    return call(pythonCall(JOB, method, TaskType.NORMAL_TASK, args.length), args);
  }

  private Object value(PushTaskReply reply, int index) {
    ObjectValue value = reply.getReturns(index).getValue();
    assertArrayEquals(ObjectSerializer.XLANG, value.getMetadata().toByteArray(), "not XLANG");
    return serializer.deserialize(ObjectSerializer.XLANG, value.getData().toByteArray());
  }

  private CrossLanguageException error(PushTaskReply reply) {
    assertTrue(reply.getIsApplicationError());
    ObjectValue value = reply.getReturns(0).getValue();
    assertEquals("ERROR:1:XLANG", value.getMetadata().toString(US_ASCII));
    Object error =
        serializer.deserialize(value.getMetadata().toByteArray(), value.getData().toByteArray());
    return assertInstanceOf(CrossLanguageException.class, error);
  }

  @Test
  void argumentsConvertToParameterTypesAndReturnsAreXlang() {
    assertEquals(5L, value(task("add", 2L, 3L), 0));
    assertEquals(3.0, value(task("scale", 2L, 1.5), 0));
    assertEquals("3/-4/c/5/6/true", value(task("kinds", 3L, -4L, "c", 5L, 6L, true), 0));
    assertEquals(6L, value(task("sum", List.of(1L, 2L, 3L)), 0));
    assertEquals(10L, value(task("total", List.of(4L, 6L)), 0));
    assertEquals(2L, value(task("distinct", List.of("a", "b", "a")), 0));
    assertEquals(Map.of("a", 2L), value(task("doubled", Map.of("a", 1L)), 0));
    assertArrayEquals(
        new byte[] {3, 2, 1}, (byte[]) value(task("reverse", new byte[] {1, 2, 3}), 0));
    assertEquals(Arrays.asList(null, List.of(1L)), value(task("pair", null, List.of(1L)), 0));
    assertNull(value(task("nothing"), 0));
  }

  @Test
  void anArgumentThatDoesNotFitNamesItsIndexAndType() {
    CrossLanguageException e = error(task("add", 1L, 1L << 40));
    assertEquals("JAVA", e.getLanguage());
    assertEquals(IllegalArgumentException.class.getName(), e.getTypeName());
    assertEquals(
        "argument 1 of XlangJob.add (parameter type int): the value 1099511627776 does not fit int",
        e.getRemoteMessage());
    e = error(task("add", "two", 1L));
    assertTrue(e.getRemoteMessage().startsWith("argument 0 of XlangJob.add (parameter type int)"));
    e = error(task("sum", List.of(1L, "x")));
    assertTrue(
        e.getRemoteMessage()
            .contains("(parameter type java.util.List<java.lang.Integer>): element 1: "),
        e.getRemoteMessage());
  }

  @Test
  void exceptionsBecomeXlangErrorMaps() {
    CrossLanguageException e = error(task("boom", "bad input"));
    assertEquals("JAVA", e.getLanguage());
    assertEquals(IllegalStateException.class.getName(), e.getTypeName());
    assertEquals("bad input", e.getRemoteMessage());
    assertTrue(e.getRemoteStackTrace().contains("at " + JOB + ".boom("), e.getRemoteStackTrace());
    assertTrue(e.getMessage().startsWith("JAVA exception java.lang.IllegalStateException: bad"));
  }

  @Test
  void aReturnWithoutXlangFormIsAnErrorNamingTypeAndPython() {
    CrossLanguageException e = error(task("point"));
    assertTrue(
        e.getRemoteMessage()
            .startsWith(
                "cannot pass return value 0 of point of type "
                    + Point.class.getName()
                    + " to a PYTHON caller: XLANG has no form for it"),
        e.getRemoteMessage());
  }

  @Test
  void namesThatResolveToNoneOrSeveralMethodsFail() {
    assertTrue(error(task("over", 1L)).getRemoteMessage().contains("2 overloads"));
    assertEquals(3L, value(task("over", 1L, 2L), 0));
    assertTrue(error(task("nope")).getRemoteMessage().contains("no public static method nope"));
    PushTaskReply reply = call(pythonCall("com.example.Gone", "f", TaskType.NORMAL_TASK, 0));
    assertTrue(error(reply).getRemoteMessage().startsWith("could not load class com.example.Gone"));
  }

  @Test
  void keywordArgumentsAreRefused() {
    TaskSpec spec =
        pythonCall(JOB, "add", TaskType.NORMAL_TASK, 2).toBuilder().addKwargNames("b").build();
    assertTrue(error(call(spec, 1L, 2L)).getRemoteMessage().contains("positional arguments only"));
  }

  @Test
  void actorsAreCreatedAndCalledByName() {
    PushTaskReply created =
        call(pythonCall(COUNTER, "<init>", TaskType.ACTOR_CREATION_TASK, 2), 10L, 5L);
    assertFalse(created.getIsApplicationError());
    assertInstanceOf(XlangCounter.class, executor.actor());
    assertEquals(16L, value(call(pythonCall(COUNTER, "add", TaskType.ACTOR_TASK, 1), 1L), 0));
    assertEquals(16L, value(call(pythonCall(COUNTER, "get", TaskType.ACTOR_TASK, 0)), 0));
  }

  @Test
  void ambiguousConstructorsFailTheCreation() {
    PushTaskReply reply = call(pythonCall(COUNTER, "<init>", TaskType.ACTOR_CREATION_TASK, 1), 1L);
    CrossLanguageException e = error(reply);
    assertTrue(e.getRemoteMessage().contains("overloads of public constructor"), e.getMessage());
    assertNull(executor.actor());
  }

  @Test
  void errorsFromPythonUpstreamKeepTheirOrigin() {
    SerializedValue upstream =
        serializer.serializeXlangError("PYTHON", "ValueError", "bad", "Traceback ...");
    TaskSpec spec = pythonCall(JOB, "echo", TaskType.NORMAL_TASK, 1);
    PushTaskReply reply =
        executor.execute(spec, new byte[][] {upstream.metadata()}, new byte[][] {upstream.data()});
    CrossLanguageException e = error(reply);
    assertEquals("PYTHON", e.getLanguage());
    assertEquals("ValueError", e.getTypeName());
    assertEquals("Traceback ...", e.getRemoteStackTrace());
  }

  @Test
  void javaCallersGetXlangRefArgumentsConvertedAndJavaReturns() {
    // A Java caller passing a ref to a Python result: the argument arrives as XLANG.
    TaskSpec spec =
        pythonCall(MathJob.class.getName(), "square", TaskType.NORMAL_TASK, 1).toBuilder()
            .setCallerLanguage(Language.JAVA)
            .setFunction(
                FunctionDescriptor.newBuilder()
                    .setJava(
                        JavaFunctionDescriptor.newBuilder()
                            .setClassName(MathJob.class.getName())
                            .setMethodName("square")
                            .setSignature("(I)I")))
            .build();
    PushTaskReply reply = call(spec, 7L);
    ObjectValue value = reply.getReturns(0).getValue();
    assertEquals("JAVA", value.getMetadata().toString(US_ASCII));
    assertEquals(
        49,
        serializer.deserialize(value.getMetadata().toByteArray(), value.getData().toByteArray()));
  }

  @Test
  void severalReturnsAreEachXlang() {
    TaskSpec spec =
        pythonCall(JOB, "pair", TaskType.NORMAL_TASK, 2).toBuilder().setNumReturns(2).build();
    PushTaskReply reply = call(spec, "a", 2L);
    assertEquals("a", value(reply, 0));
    assertEquals(2L, value(reply, 1));
  }
}
