package io.colony.runtime.task;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.exception.ColonyTaskException;
import io.colony.api.function.ColonyFunc;
import io.colony.api.function.ColonyFunc0;
import io.colony.api.function.ColonyFunc1;
import io.colony.api.function.ColonyFunc2;
import io.colony.api.function.ColonyFuncVoid1;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.CallOptions;
import io.colony.runtime.fixtures.Counter;
import io.colony.runtime.fixtures.MathJob;
import io.colony.runtime.function.FunctionResolver;
import io.colony.runtime.function.MethodReferences;
import io.colony.runtime.generated.Common.JavaFunctionDescriptor;
import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.generated.Common.TaskType;
import io.colony.runtime.generated.CoreWorker.PushTaskReply;
import io.colony.runtime.object.ObjectIds;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.serialization.ObjectSerializer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TaskExecutorTest {
  private final ObjectSerializer serializer =
      new ObjectSerializer(getClass().getClassLoader(), ReferenceTracker.NONE);
  private final TaskSpecBuilder specs = new TaskSpecBuilder(serializer);
  private final TaskExecutor executor =
      new TaskExecutor(
          new FunctionResolver(getClass().getClassLoader()), serializer, ReturnWriter.INLINE);

  @Test
  void staticTaskReturnsItsValueUnderTheReturnId() {
    TaskSpec spec = task(MathJob::square, new Object[] {7}, CallOptions.builder().build());
    PushTaskReply reply = run(spec);
    assertFalse(reply.getIsApplicationError());
    assertEquals(1, reply.getReturnsCount());
    assertArrayEquals(
        ObjectIds.forReturn(spec.getTaskId().toByteArray(), 1),
        reply.getReturns(0).getObjectId().toByteArray());
    assertEquals(49, value(reply, 0));
  }

  @Test
  void argumentsAreConvertedByReflection() {
    ColonyFunc2<Long, Double, Long> scale = MathJob::scale;
    assertEquals(15L, value(run(task(scale, new Object[] {10L, 1.5}, opts())), 0));
    ColonyFunc1<List<Integer>, Integer> sum = MathJob::sum;
    assertEquals(6, value(run(task(sum, new Object[] {List.of(1, 2, 3)}, opts())), 0));
  }

  @Test
  void voidTaskReturnsNull() {
    ColonyFuncVoid1<String> log = MathJob::log;
    PushTaskReply reply = run(task(log, new Object[] {"line"}, opts()));
    assertFalse(reply.getIsApplicationError());
    assertNull(value(reply, 0));
  }

  @Test
  void severalReturnsComeFromAList() {
    ColonyFunc2<Integer, Integer, List<Integer>> divmod = MathJob::divmod;
    TaskSpec spec = task(divmod, new Object[] {7, 2}, opts()).toBuilder().setNumReturns(2).build();
    PushTaskReply reply = run(spec);
    assertEquals(3, value(reply, 0));
    assertEquals(1, value(reply, 1));
  }

  @Test
  void thrownExceptionBecomesTaskErrorInEveryReturn() {
    ColonyFunc1<Integer, Integer> fail = MathJob::fail;
    TaskSpec spec = task(fail, new Object[] {3}, opts()).toBuilder().setNumReturns(2).build();
    PushTaskReply reply = run(spec);
    assertTrue(reply.getIsApplicationError());
    assertFalse(reply.getIsRetryableError());
    assertEquals(2, reply.getReturnsCount());
    ColonyTaskException error = error(reply, 0);
    assertEquals("MathJob.fail", error.getFunctionName());
    assertEquals(IllegalStateException.class.getName(), error.getCauseClassName());
    assertInstanceOf(IllegalStateException.class, error.getCause());
    assertEquals("bad input 3", error.getCause().getMessage());
    assertTrue(error.getRemoteStackTrace().contains("at " + MathJob.class.getName() + ".fail("));
    assertTrue(error.getMessage().contains("bad input 3"));
  }

  @Test
  void retryExceptionsMarksErrorsRetryable() {
    ColonyFunc1<Integer, Integer> fail = MathJob::fail;
    CallOptions options = CallOptions.builder().setRetryExceptions(true).build();
    assertTrue(run(task(fail, new Object[] {1}, options)).getIsRetryableError());
  }

  @Test
  void failedArgumentPropagatesTheOriginalError() {
    ColonyFunc1<Integer, Integer> fail = MathJob::fail;
    ObjectValue upstream = run(task(fail, new Object[] {5}, opts())).getReturns(0).getValue();
    TaskSpec spec = task(MathJob::square, new Object[] {0}, opts());
    PushTaskReply reply =
        executor.execute(
            spec,
            new byte[][] {upstream.getMetadata().toByteArray()},
            new byte[][] {upstream.getData().toByteArray()});
    assertTrue(reply.getIsApplicationError());
    ColonyTaskException error = error(reply, 0);
    assertEquals("MathJob.fail", error.getFunctionName());
    assertEquals("bad input 5", error.getCause().getMessage());
  }

  @Test
  void actorIsConstructedThenCalledWithItsState() {
    ColonyFunc1<Integer, Counter> create = Counter::new;
    TaskSpec creation =
        Tasks.submitted(
            specs.actorCreation(
                MethodReferences.resolve(create),
                new Object[] {5},
                ActorCreationOptions.builder().build()),
            TaskType.ACTOR_CREATION_TASK);
    PushTaskReply created = run(creation);
    assertFalse(created.getIsApplicationError());
    assertEquals(0, created.getReturnsCount());
    assertInstanceOf(Counter.class, executor.actor());

    ColonyFunc2<Counter, Integer, Integer> increment = Counter::increment;
    assertEquals(7, value(run(actorTask(increment, 2)), 0));
    assertEquals(10, value(run(actorTask(increment, 3)), 0));
    ColonyFunc1<Counter, Integer> get = Counter::get;
    assertEquals(10, value(run(actorTask(get)), 0));
  }

  @Test
  void staticFactoryCreatesTheActor() {
    ColonyFunc1<Integer, Counter> factory = Counter::startingAt;
    TaskSpec creation =
        Tasks.submitted(
            specs.actorCreation(
                MethodReferences.resolve(factory),
                new Object[] {40},
                ActorCreationOptions.builder().build()),
            TaskType.ACTOR_CREATION_TASK);
    run(creation);
    assertEquals(40, ((Counter) executor.actor()).get());
  }

  @Test
  void actorCallWithoutActorFails() {
    ColonyFunc1<Counter, Integer> get = Counter::get;
    PushTaskReply reply = run(actorTask(get));
    assertTrue(reply.getIsApplicationError());
    assertEquals("this worker hosts no actor", error(reply, 0).getCause().getMessage());
  }

  @Test
  void constructorFailureIsTheCreationTasksError() {
    ColonyFunc1<Integer, Integer> fail = MathJob::fail;
    TaskSpec creation =
        Tasks.submitted(
            specs.actorCreation(
                MethodReferences.resolve(fail),
                new Object[] {1},
                ActorCreationOptions.builder().build()),
            TaskType.ACTOR_CREATION_TASK);
    PushTaskReply reply = run(creation);
    assertTrue(reply.getIsApplicationError());
    assertEquals(1, reply.getReturnsCount());
    assertNull(executor.actor());
  }

  @Test
  void unknownFunctionIsAnErrorValueNotACrash() {
    TaskSpec spec = task(MathJob::square, new Object[] {1}, opts());
    JavaFunctionDescriptor missing =
        spec.getFunction().getJava().toBuilder().setClassName("com.example.Gone").build();
    spec = spec.toBuilder().setFunction(spec.getFunction().toBuilder().setJava(missing)).build();
    PushTaskReply reply = run(spec);
    assertTrue(reply.getIsApplicationError());
    assertTrue(
        error(reply, 0)
            .getCause()
            .getMessage()
            .startsWith("could not load class com.example.Gone"));
  }

  @Test
  void interruptCancelsARunningTask() throws Exception {
    ColonyFunc0<Integer> sleep = MathJob::sleepForever;
    TaskSpec spec = task(sleep, new Object[0], opts());
    CompletableFuture<PushTaskReply> reply = CompletableFuture.supplyAsync(() -> run(spec));
    assertTrue(MathJob.SLEEPING.await(10, TimeUnit.SECONDS));
    while (!reply.isDone()) {
      executor.interrupt(spec.getTaskId().toByteArray());
      Thread.sleep(5);
    }
    ColonyTaskException error = error(reply.get(10, TimeUnit.SECONDS), 0);
    assertEquals(InterruptedException.class.getName(), error.getCauseClassName());
  }

  @Test
  void returnsGoThroughTheReturnWriter() {
    List<byte[]> written = new java.util.ArrayList<>();
    ReturnWriter recording =
        (id, value) -> {
          written.add(id);
          return ObjectValue.newBuilder().setMetadata(value.toProto().getMetadata()).build();
        };
    TaskExecutor withWriter =
        new TaskExecutor(new FunctionResolver(getClass().getClassLoader()), serializer, recording);
    TaskSpec spec = task(MathJob::square, new Object[] {2}, opts());
    PushTaskReply reply = withWriter.execute(spec, Tasks.metadata(spec), Tasks.data(spec));
    assertEquals(1, written.size());
    assertArrayEquals(written.get(0), reply.getReturns(0).getObjectId().toByteArray());
    assertTrue(reply.getReturns(0).getValue().getData().isEmpty());
  }

  private static CallOptions opts() {
    return CallOptions.builder().build();
  }

  private TaskSpec task(ColonyFunc1<Integer, Integer> function, Object[] args, CallOptions o) {
    return task((ColonyFunc) function, args, o);
  }

  private TaskSpec task(ColonyFunc function, Object[] args, CallOptions options) {
    TaskSpec spec = specs.normalTask(MethodReferences.resolve(function), args, options);
    return Tasks.submitted(spec, TaskType.NORMAL_TASK);
  }

  private TaskSpec actorTask(ColonyFunc method, Object... args) {
    TaskSpec spec =
        specs.actorTask(MethodReferences.resolve(method), args, ActorCallOptions.builder().build());
    return Tasks.submitted(spec, TaskType.ACTOR_TASK);
  }

  private PushTaskReply run(TaskSpec spec) {
    return executor.execute(spec, Tasks.metadata(spec), Tasks.data(spec));
  }

  private Object value(PushTaskReply reply, int index) {
    ObjectValue value = reply.getReturns(index).getValue();
    return serializer.deserialize(value.getMetadata().toByteArray(), value.getData().toByteArray());
  }

  private ColonyTaskException error(PushTaskReply reply, int index) {
    ObjectValue value = reply.getReturns(index).getValue();
    assertTrue(ObjectSerializer.isError(value.getMetadata().toByteArray()));
    Object error = value(reply, index);
    assertInstanceOf(ColonyTaskException.class, error);
    return (ColonyTaskException) error;
  }
}
