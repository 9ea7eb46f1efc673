package io.colony.tests;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.colony.api.exception.ColonyTaskException;
import io.colony.api.function.ColonyFunc;
import io.colony.api.function.ColonyFunc1;
import io.colony.api.function.ColonyFunc2;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.CallOptions;
import io.colony.runtime.function.FunctionResolver;
import io.colony.runtime.function.JavaFunction;
import io.colony.runtime.function.MethodReferences;
import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.generated.Common.TaskArg;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.generated.Common.TaskType;
import io.colony.runtime.generated.CoreWorker.PushTaskReply;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.serialization.ObjectSerializer;
import io.colony.runtime.task.ReturnWriter;
import io.colony.runtime.task.TaskExecutor;
import io.colony.runtime.task.TaskSpecBuilder;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Application calls travel as the core worker carries them: the caller's spec as bytes to a worker,
 * the worker's reply as bytes back. Caller and worker have separate serializers, as they would in
 * two processes; the core worker's own part (IDs, transport) is left out.
 */
class CallerToWorkerTest {
  private final ObjectSerializer caller =
      new ObjectSerializer(getClass().getClassLoader(), ReferenceTracker.NONE);
  private final ObjectSerializer workerSide =
      new ObjectSerializer(getClass().getClassLoader(), ReferenceTracker.NONE);
  private final TaskExecutor worker =
      new TaskExecutor(
          new FunctionResolver(getClass().getClassLoader()), workerSide, ReturnWriter.INLINE);
  private final TaskSpecBuilder specs = new TaskSpecBuilder(caller);
  private int nextTask = 1;

  @Test
  void tasksComputeAndChain() throws Exception {
    ColonyFunc1<String, Map<String, Integer>> count = WordJob::count;
    Object first = call(specs.normalTask(resolve(count), args("to be or"), task()));
    Object second = call(specs.normalTask(resolve(count), args("not to be"), task()));
    ColonyFunc2<Map<String, Integer>, Map<String, Integer>, Map<String, Integer>> merge =
        WordJob::merge;
    Object merged = call(specs.normalTask(resolve(merge), args(first, second), task()));
    assertEquals(Map.of("be", 2, "not", 1, "or", 1, "to", 2), merged);
  }

  @Test
  void actorKeepsStateAndReportsItsOwnExceptions() throws Exception {
    ColonyFunc1<Long, Account> open = Account::new;
    TaskSpec creation = specs.actorCreation(resolve(open), args(100L), actor());
    PushTaskReply created = execute(creation, TaskType.ACTOR_CREATION_TASK);
    assertFalse(created.getIsApplicationError());

    ColonyFunc2<Account, Long, Long> deposit = Account::deposit;
    ColonyFunc2<Account, Long, Long> withdraw = Account::withdraw;
    assertEquals(150L, callActor(specs.actorTask(resolve(deposit), args(50L), method())));

    PushTaskReply failed =
        execute(specs.actorTask(resolve(withdraw), args(500L), method()), TaskType.ACTOR_TASK);
    assertTrue(failed.getIsApplicationError());
    ColonyTaskException error = (ColonyTaskException) valueOf(failed.getReturns(0).getValue());
    assertEquals("Account.withdraw", error.getFunctionName());
    Account.InsufficientFundsException cause =
        assertInstanceOf(Account.InsufficientFundsException.class, error.getCause());
    assertEquals(350L, cause.missing());
    assertTrue(error.getMessage().contains("balance 150 cannot cover 500"), error.getMessage());

    assertEquals(100L, callActor(specs.actorTask(resolve(withdraw), args(50L), method())));
  }

  private Object call(TaskSpec spec) throws Exception {
    return returned(execute(spec, TaskType.NORMAL_TASK));
  }

  private Object callActor(TaskSpec spec) throws Exception {
    return returned(execute(spec, TaskType.ACTOR_TASK));
  }

  private Object returned(PushTaskReply reply) {
    Object value = valueOf(reply.getReturns(0).getValue());
    assertFalse(reply.getIsApplicationError(), value::toString);
    return value;
  }

  /** What the core worker does between caller and worker, minus the network. */
  private PushTaskReply execute(TaskSpec spec, TaskType type) throws Exception {
    byte[] pushed =
        spec.toBuilder()
            .setTaskId(ByteString.copyFrom(taskId(nextTask++)))
            .setType(type)
            .build()
            .toByteArray();
    TaskSpec received = TaskSpec.parseFrom(pushed);
    int n = received.getArgsCount();
    byte[][] metadata = new byte[n][];
    byte[][] data = new byte[n][];
    for (int i = 0; i < n; i++) {
      TaskArg arg = received.getArgs(i);
      metadata[i] = arg.getValue().getMetadata().toByteArray();
      data[i] = arg.getValue().getData().toByteArray();
    }
    byte[] reply = worker.execute(received, metadata, data).toByteArray();
    return PushTaskReply.parseFrom(reply);
  }

  private static byte[] taskId(int n) {
    byte[] id = new byte[16];
    id[0] = (byte) n;
    return id;
  }

  private Object valueOf(ObjectValue value) {
    return caller.deserialize(value.getMetadata().toByteArray(), value.getData().toByteArray());
  }

  private static JavaFunction resolve(ColonyFunc function) {
    return MethodReferences.resolve(function);
  }

  private static Object[] args(Object... args) {
    return args;
  }

  private static CallOptions task() {
    return CallOptions.builder().build();
  }

  private static ActorCreationOptions actor() {
    return ActorCreationOptions.builder().build();
  }

  private static ActorCallOptions method() {
    return ActorCallOptions.builder().build();
  }
}
