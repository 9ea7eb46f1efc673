package io.colony.runtime.task;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ObjectRef;
import io.colony.api.function.ColonyFunc1;
import io.colony.api.function.ColonyFunc2;
import io.colony.api.options.ActorCallOptions;
import io.colony.api.options.ActorCreationOptions;
import io.colony.api.options.ActorLifetime;
import io.colony.api.options.CallOptions;
import io.colony.api.scheduling.LabelOperator;
import io.colony.api.scheduling.NodeAffinitySchedulingStrategy;
import io.colony.api.scheduling.NodeLabelSchedulingStrategy;
import io.colony.runtime.fixtures.Counter;
import io.colony.runtime.fixtures.MathJob;
import io.colony.runtime.function.JavaFunction;
import io.colony.runtime.function.MethodReferences;
import io.colony.runtime.generated.Common.ActorCreationSpec;
import io.colony.runtime.generated.Common.LabelMatch;
import io.colony.runtime.generated.Common.Language;
import io.colony.runtime.generated.Common.SchedulingStrategy;
import io.colony.runtime.generated.Common.TaskArg;
import io.colony.runtime.generated.Common.TaskSpec;
import io.colony.runtime.object.ObjectRefImpl;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.object.Refs;
import io.colony.runtime.serialization.ObjectSerializer;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskSpecBuilderTest {
  private final ObjectSerializer serializer =
      new ObjectSerializer(getClass().getClassLoader(), ReferenceTracker.NONE);
  private final TaskSpecBuilder builder = new TaskSpecBuilder(serializer);
  private final JavaFunction square =
      MethodReferences.resolve((ColonyFunc1<Integer, Integer>) MathJob::square);

  @Test
  void normalTaskWithDefaults() {
    TaskSpec spec = builder.normalTask(square, new Object[] {3}, CallOptions.builder().build());
    assertEquals(Language.JAVA, spec.getLanguage());
    assertEquals(square.descriptor(), spec.getFunction().getJava());
    assertEquals("MathJob.square", spec.getName());
    assertEquals(1, spec.getNumReturns());
    assertEquals(Map.of("CPU", 1.0), spec.getResourcesMap());
    assertEquals(3, spec.getMaxRetries());
    assertFalse(spec.getRetryExceptions());
    assertEquals(1, spec.getArgsCount());
    TaskArg arg = spec.getArgs(0);
    assertTrue(arg.hasValue());
    assertArrayEquals("JAVA".getBytes(US_ASCII), arg.getValue().getMetadata().toByteArray());
    assertEquals(
        3,
        serializer.deserialize(
            arg.getValue().getMetadata().toByteArray(), arg.getValue().getData().toByteArray()));
  }

  @Test
  void normalTaskOptionsAndZeroResources() {
    CallOptions options =
        CallOptions.builder()
            .setResource("CPU", 0)
            .setResource("custom", 2)
            .setMaxRetries(0)
            .setRetryExceptions(true)
            .setName("my-square")
            .build();
    TaskSpec spec = builder.normalTask(square, new Object[] {3}, options);
    assertEquals(Map.of("custom", 2.0), spec.getResourcesMap());
    assertEquals(0, spec.getMaxRetries());
    assertTrue(spec.getRetryExceptions());
    assertEquals("my-square", spec.getName());
  }

  @Test
  void labelSelectorsBecomeTheCoresStrategyMessage() {
    CallOptions options =
        CallOptions.builder()
            .setSchedulingStrategy(
                new NodeLabelSchedulingStrategy(
                    Map.of("zone", LabelOperator.in("a", "b")),
                    Map.of("disk", LabelOperator.exists())))
            .build();
    SchedulingStrategy strategy =
        builder.normalTask(square, new Object[] {3}, options).getSchedulingStrategy();
    assertEquals(SchedulingStrategy.Kind.NODE_LABEL, strategy.getKind());
    assertEquals(
        LabelMatch.newBuilder()
            .setKey("zone")
            .setOp(LabelMatch.Op.IN)
            .addValues("a")
            .addValues("b")
            .build(),
        strategy.getHardLabels(0));
    assertEquals(
        LabelMatch.newBuilder().setKey("disk").setOp(LabelMatch.Op.EXISTS).build(),
        strategy.getSoftLabels(0));
    ActorCreationOptions actor =
        ActorCreationOptions.builder()
            .setSchedulingStrategy(
                new NodeLabelSchedulingStrategy(
                    Map.of("gpu", LabelOperator.doesNotExist(), "zone", LabelOperator.notIn("c"))))
            .build();
    JavaFunction create = MethodReferences.resolve((ColonyFunc1<Integer, Counter>) Counter::new);
    SchedulingStrategy actorStrategy =
        builder.actorCreation(create, new Object[] {1}, actor).getSchedulingStrategy();
    assertEquals(2, actorStrategy.getHardLabelsCount());
    assertEquals(0, actorStrategy.getSoftLabelsCount());
  }

  @Test
  void spreadAndNodeAffinityStrategies() {
    TaskSpec spread =
        builder.normalTask(
            square,
            new Object[] {3},
            CallOptions.builder()
                .setSchedulingStrategy(io.colony.api.scheduling.SchedulingStrategy.spread())
                .build());
    assertEquals(SchedulingStrategy.Kind.SPREAD, spread.getSchedulingStrategy().getKind());
    TaskSpec pinned =
        builder.normalTask(
            square,
            new Object[] {3},
            CallOptions.builder()
                .setSchedulingStrategy(
                    new NodeAffinitySchedulingStrategy("00ff" + "0".repeat(28), false))
                .build());
    assertEquals(SchedulingStrategy.Kind.NODE_AFFINITY, pinned.getSchedulingStrategy().getKind());
    assertEquals(16, pinned.getSchedulingStrategy().getNodeId().size());
    assertEquals((byte) 0xff, pinned.getSchedulingStrategy().getNodeId().byteAt(1));
    assertFalse(pinned.getSchedulingStrategy().getSoft());
    TaskSpec plain = builder.normalTask(square, new Object[] {3}, CallOptions.builder().build());
    assertFalse(plain.hasSchedulingStrategy());
  }

  @Test
  void concurrencyGroupsTravelInTheCreationSpecAndEachCall() {
    JavaFunction create = MethodReferences.resolve((ColonyFunc1<Integer, Counter>) Counter::new);
    ActorCreationOptions creation =
        ActorCreationOptions.builder().setConcurrencyGroups(Map.of("io", 2, "compute", 4)).build();
    assertEquals(
        Map.of("io", 2, "compute", 4),
        builder
            .actorCreation(create, new Object[] {1}, creation)
            .getActorCreation()
            .getConcurrencyGroupsMap());
    JavaFunction get = MethodReferences.resolve((ColonyFunc1<Counter, Integer>) Counter::get);
    assertEquals(
        "", builder.actorTask(get, new Object[0], ActorCallOptions.builder().build())
            .getConcurrencyGroup());
    assertEquals(
        "io",
        builder
            .actorTask(get, new Object[0], ActorCallOptions.builder().setConcurrencyGroup("io").build())
            .getConcurrencyGroup());
  }

  @Test
  void refArgumentsGoByReference() {
    ObjectRefImpl<Integer> ref = Refs.ref(9);
    TaskSpec spec = builder.normalTask(square, new Object[] {ref}, CallOptions.builder().build());
    TaskArg arg = spec.getArgs(0);
    assertTrue(arg.hasRef());
    assertArrayEquals(ref.id(), arg.getRef().getObjectId().toByteArray());
    assertEquals(1009, arg.getRef().getOwnerAddress().getPort());
  }

  @Test
  void refsNestedInValuesAreReported() {
    JavaFunction sum =
        MethodReferences.resolve((ColonyFunc1<java.util.List<Integer>, Integer>) MathJob::sum);
    java.util.List<Object> list = new java.util.ArrayList<>(java.util.List.of(Refs.ref(2)));
    TaskSpec spec = builder.normalTask(sum, new Object[] {list}, CallOptions.builder().build());
    assertEquals(1, spec.getArgs(0).getValue().getNestedRefsCount());
  }

  @Test
  void foreignRefImplementationsAreRejected() {
    ObjectRef<Integer> foreign = () -> "abc";
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                builder.normalTask(square, new Object[] {foreign}, CallOptions.builder().build()));
    assertTrue(e.getMessage().startsWith("argument 0 of MathJob.square is an ObjectRef"));
  }

  @Test
  void actorCreationCarriesItsOptions() {
    JavaFunction create = MethodReferences.resolve((ColonyFunc1<Integer, Counter>) Counter::new);
    ActorCreationOptions options =
        ActorCreationOptions.builder()
            .setName("counter")
            .setNamespace("ns")
            .setLifetime(ActorLifetime.DETACHED)
            .setMaxRestarts(2)
            .setMaxTaskRetries(-1)
            .setMaxConcurrency(3)
            .setMaxPendingCalls(100)
            .setResource("memory", 1e6)
            .build();
    TaskSpec spec = builder.actorCreation(create, new Object[] {5}, options);
    assertEquals("<init>", spec.getFunction().getJava().getMethodName());
    assertEquals("Counter", spec.getName());
    assertEquals(Map.of("memory", 1e6), spec.getResourcesMap());
    ActorCreationSpec creation = spec.getActorCreation();
    assertEquals("counter", creation.getName());
    assertEquals("ns", creation.getNamespace());
    assertTrue(creation.getDetached());
    assertEquals(2, creation.getMaxRestarts());
    assertEquals(-1, creation.getMaxTaskRetries());
    assertEquals(3, creation.getMaxConcurrency());
    assertEquals(100, creation.getMaxPendingCalls());
    assertFalse(creation.getIsAsync());
    assertEquals(Counter.class.getName(), creation.getClassName());
  }

  @Test
  void anonymousActorHoldsNoResources() {
    JavaFunction create = MethodReferences.resolve((ColonyFunc1<Integer, Counter>) Counter::new);
    TaskSpec spec =
        builder.actorCreation(create, new Object[] {1}, ActorCreationOptions.builder().build());
    assertTrue(spec.getResourcesMap().isEmpty());
    assertEquals("", spec.getActorCreation().getName());
    assertFalse(spec.getActorCreation().getDetached());
  }

  @Test
  void actorTaskNamesTheMethod() {
    JavaFunction increment =
        MethodReferences.resolve((ColonyFunc2<Counter, Integer, Integer>) Counter::increment);
    TaskSpec spec =
        builder.actorTask(increment, new Object[] {2}, ActorCallOptions.builder().build());
    assertEquals("Counter.increment", spec.getName());
    assertEquals("increment", spec.getFunction().getJava().getMethodName());
    assertEquals(1, spec.getArgsCount());
    assertTrue(spec.getResourcesMap().isEmpty());
  }
}
