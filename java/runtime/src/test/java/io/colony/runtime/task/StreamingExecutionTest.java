package io.colony.runtime.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.exception.ColonyTaskException;
import io.colony.api.function.ColonyFunc;
import io.colony.api.function.ColonyFunc0;
import io.colony.api.function.ColonyFunc1;
import io.colony.api.options.CallOptions;
import io.colony.runtime.fixtures.Streams;
import io.colony.runtime.function.FunctionResolver;
import io.colony.runtime.function.MethodReferences;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.generated.Common.TaskType;
import io.colony.runtime.generated.CoreWorker.PushTaskReply;
import io.colony.runtime.object.ObjectIds;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.serialization.ObjectSerializer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** The executor's side of streaming tasks, with a recording reporter in place of the core. */
class StreamingExecutionTest {
  private final ObjectSerializer serializer =
      new ObjectSerializer(getClass().getClassLoader(), ReferenceTracker.NONE);
  private final TaskSpecBuilder specs = new TaskSpecBuilder(serializer);
  private final List<byte[]> writtenIds = new ArrayList<>();
  private final List<ObjectValue> reported = new ArrayList<>();
  private int stopAfter = Integer.MAX_VALUE; // the fake caller wants this many items

  private final TaskExecutor executor =
      new TaskExecutor(
          new FunctionResolver(getClass().getClassLoader()),
          serializer,
          (id, value) -> {
            writtenIds.add(id);
            return value.toProto();
          },
          (index, item) -> {
            assertEquals(reported.size(), index); // one at a time, in order
            reported.add(item);
            return reported.size() >= stopAfter;
          });

  @Test
  void eachItemIsReportedUnderItsIdAndTheReturnIsTheCount() {
    TaskSpec spec = streaming((ColonyFunc1<Integer, Iterator<Integer>>) Streams::upTo, 4);
    PushTaskReply reply = run(spec);
    assertFalse(reply.getIsApplicationError());
    assertEquals(List.of(0, 1, 2, 3), items());
    for (int i = 0; i < 4; i++) {
      assertArrayEquals(ObjectIds.forReturn(spec.getTaskId().toByteArray(), i + 2), writtenIds.get(i));
    }
    assertEquals(1, reply.getReturnsCount());
    assertEquals(4L, value(reply.getReturns(0).getValue()));
  }

  @Test
  void iterablesAndStreamsWorkAndStreamsAreClosed() {
    run(streaming((ColonyFunc0<List<String>>) Streams::letters));
    assertEquals(List.of("a", "b", "c"), items());
    reported.clear();
    writtenIds.clear();
    Streams.CLOSED.set(false);
    run(streaming((ColonyFunc1<Integer, Stream<Integer>>) Streams::closingStream, 2));
    assertEquals(List.of(0, 1), items());
    assertTrue(Streams.CLOSED.get());
  }

  @Test
  void anExceptionIsTheItemWhereItHappened() {
    PushTaskReply reply =
        run(streaming((ColonyFunc1<Integer, Iterator<Integer>>) Streams::failingAt, 2));
    assertEquals(3, reported.size());
    assertEquals(0, value(reported.get(0)));
    assertEquals(1, value(reported.get(1)));
    Object error = value(reported.get(2));
    assertInstanceOf(ColonyTaskException.class, error);
    assertEquals(
        IllegalStateException.class.getName(), ((ColonyTaskException) error).getCauseClassName());
    assertFalse(reply.getIsApplicationError()); // the stream ended normally after its error item
    assertEquals(3L, value(reply.getReturns(0).getValue()));
  }

  @Test
  void theCallerStoppingEndsTheStream() {
    stopAfter = 2;
    PushTaskReply reply =
        run(streaming((ColonyFunc1<Integer, Iterator<Integer>>) Streams::failingAt, 1000));
    assertEquals(List.of(0, 1), items());
    assertEquals(2L, value(reply.getReturns(0).getValue()));
  }

  @Test
  void aMethodThatReturnsNoStreamFailsAtItemZero() {
    run(streaming((ColonyFunc1<Integer, Integer>) Streams::notAStream, 3));
    assertEquals(1, reported.size());
    ColonyTaskException error = (ColonyTaskException) value(reported.get(0));
    assertTrue(
        error.getMessage().contains("returned java.lang.Integer, not an Iterator, Iterable or Stream"),
        error.getMessage());
  }

  @Test
  void aPythonCallerGetsXlangItems() {
    TaskSpec spec =
        streaming((ColonyFunc1<Integer, Iterator<Integer>>) Streams::upTo, 2).toBuilder()
            .setCallerLanguage(Language.PYTHON)
            .build();
    run(spec);
    assertTrue(ObjectSerializer.isXlang(reported.get(0).getMetadata().toByteArray()));
    assertEquals(List.of(0L, 1L), items());
  }

  private TaskSpec streaming(ColonyFunc function, Object... args) {
    TaskSpec spec =
        TaskSpecBuilder.streaming(
            specs.normalTask(MethodReferences.resolve(function), args, CallOptions.builder().build()),
            0);
    return Tasks.submitted(spec, TaskType.NORMAL_TASK);
  }

  private PushTaskReply run(TaskSpec spec) {
    return executor.execute(spec, Tasks.metadata(spec), Tasks.data(spec));
  }

  private List<Object> items() {
    List<Object> out = new ArrayList<>();
    for (ObjectValue item : reported) {
      out.add(value(item));
    }
    return out;
  }

  private Object value(ObjectValue value) {
    return serializer.deserialize(value.getMetadata().toByteArray(), value.getData().toByteArray());
  }

}
