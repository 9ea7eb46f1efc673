package io.colony.runtime.jni;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.colony.api.function.ColonyFunc1;
import io.colony.api.options.CallOptions;
import io.colony.runtime.fixtures.MathJob;
import io.colony.runtime.function.FunctionResolver;
import io.colony.runtime.function.MethodReferences;
import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.generated.CoreWorker.PushTaskReply;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.object.Refs;
import io.colony.runtime.serialization.ObjectSerializer;
import io.colony.runtime.task.ReturnWriter;
import io.colony.runtime.task.TaskExecutor;
import io.colony.runtime.task.TaskSpecBuilder;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The byte-level contract of the callbacks the JNI library makes; no native code runs. */
class NativeCoreWorkerCallbackTest {
  private static final long WORKER = 42;

  private final ObjectSerializer serializer =
      new ObjectSerializer(getClass().getClassLoader(), ReferenceTracker.NONE);

  @AfterEach
  void unregister() {
    NativeCoreWorker.unregisterExecutor(WORKER);
  }

  @Test
  void executeTakesAndReturnsSerializedProtos() throws Exception {
    NativeCoreWorker.registerExecutor(
        WORKER,
        new TaskExecutor(
            new FunctionResolver(getClass().getClassLoader()), serializer, ReturnWriter.INLINE));
    TaskSpec spec =
        new TaskSpecBuilder(serializer)
                .normalTask(
                    MethodReferences.resolve((ColonyFunc1<Integer, Integer>) MathJob::square),
                    new Object[] {0},
                    CallOptions.builder().build())
                .toBuilder()
                .setTaskId(ByteString.copyFrom(Refs.id(1, 16)))
                .clearArgs()
                .build();
    byte[] four = serializer.serialize(4, "arg").data();
    byte[] reply =
        NativeCoreWorker.execute(
            WORKER, spec.toByteArray(), new byte[][] {ObjectSerializer.JAVA}, new byte[][] {four});
    ObjectValue value = PushTaskReply.parseFrom(reply).getReturns(0).getValue();
    assertEquals(
        16,
        serializer.deserialize(value.getMetadata().toByteArray(), value.getData().toByteArray()));
  }

  @Test
  void executeWithoutExecutorReportsAnApplicationError() throws Exception {
    PrintStream stderr = System.err;
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    System.setErr(new PrintStream(log, true, UTF_8));
    byte[] reply;
    try {
      reply = NativeCoreWorker.execute(WORKER, new byte[0], new byte[0][], new byte[0][]);
    } finally {
      System.setErr(stderr);
    }
    assertTrue(PushTaskReply.parseFrom(reply).getIsApplicationError());
    assertTrue(log.toString(UTF_8).contains("no executor registered for worker 42"));
  }

  @Test
  void interruptOfAnUnknownWorkerOrTaskIsANoOp() {
    NativeCoreWorker.interrupt(WORKER, new byte[16]);
    assertFalse(Thread.currentThread().isInterrupted());
  }

  @Test
  void statusCodesFollowTheCppEnum() {
    assertEquals(StatusCode.ALREADY_EXISTS, new CoreWorkerException(3, "x").code());
    assertEquals(StatusCode.TIMED_OUT, StatusCode.fromNumber(4));
    assertEquals(StatusCode.LIMIT_EXCEEDED, StatusCode.fromNumber(11));
    assertEquals(StatusCode.INTERNAL, StatusCode.fromNumber(99));
  }
}
