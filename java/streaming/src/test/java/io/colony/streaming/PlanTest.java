package io.colony.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.runtime.generated.Common.Language;
import io.colony.streaming.fixtures.AddCounts;
import io.colony.streaming.fixtures.First;
import io.colony.streaming.fixtures.Lines;
import io.colony.streaming.fixtures.NotEmpty;
import io.colony.streaming.fixtures.Split;
import io.colony.streaming.fixtures.Upper;
import io.colony.streaming.function.MapFunction;
import io.colony.streaming.plan.Chains;
import io.colony.streaming.plan.PlanJson;
import io.colony.streaming.proto.StreamingPlan.JobPlan;
import io.colony.streaming.proto.StreamingPlan.OperatorKind;
import io.colony.streaming.proto.StreamingPlan.Partitioning;
import io.colony.streaming.proto.StreamingPlan.WindowSpec;
import io.colony.streaming.sink.FileSink;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The plan the builder makes, its JSON form and its chains (no cluster). */
class PlanTest {
  private static JobPlan wordCount(int parallelism) {
    StreamingContext ctx = StreamingContext.builder("wc").parallelism(parallelism).batchSize(64).build();
    ctx.fromSource(Lines.class, 100L, 3, 0L)
        .flatMap(Split.class)
        .keyBy(First.class)
        .reduce(AddCounts.class)
        .sink(FileSink.class, "/tmp/out");
    return ctx.plan();
  }

  @Test
  void wordCountPlanHasKindsEdgesAndPartitionings() {
    JobPlan plan = wordCount(2);
    assertEquals(
        List.of(OperatorKind.SOURCE, OperatorKind.FLAT_MAP, OperatorKind.KEY_BY, OperatorKind.REDUCE, OperatorKind.SINK),
        plan.getOperatorsList().stream().map(o -> o.getKind()).toList());
    assertEquals(
        List.of(Partitioning.FORWARD, Partitioning.FORWARD, Partitioning.KEY_HASH, Partitioning.FORWARD),
        plan.getEdgesList().stream().map(e -> e.getPartitioning()).toList());
    assertEquals("io.colony.streaming.fixtures.Split", plan.getOperators(1).getFunction().getJavaClass());
    assertEquals(Language.JAVA, plan.getOperators(1).getLanguage());
    assertEquals(64, plan.getChannel().getBatchSize());
    assertTrue(plan.getOperatorsList().stream().allMatch(o -> o.getParallelism() == 2));
  }

  @Test
  void jsonRoundTripsAndUsesCamelCaseAndEnumNames() {
    JobPlan plan = wordCount(1);
    String json = PlanJson.toJson(plan);
    assertTrue(json.contains("\"kind\":\"FLAT_MAP\""), json);
    assertTrue(json.contains("\"javaClass\":"), json);
    assertTrue(json.contains("\"batchSize\":64"), json);
    assertEquals(plan, PlanJson.fromJson(json));
    // Proto field names and unknown fields are accepted too (what other writers may send).
    JobPlan snake = PlanJson.fromJson(json.replace("\"batchSize\"", "\"batch_size\"").replace("{\"version\":1", "{\"version\":1,\"future\":3"));
    assertEquals(64, snake.getChannel().getBatchSize());
  }

  @Test
  void chainsJoinForwardEdgesOfOneLanguageOnly() {
    List<Chains.Chain> chains = Chains.of(wordCount(2));
    assertEquals(2, chains.size());
    assertEquals(List.of("0-source", "1-flat-map", "2-key-by"), chains.get(0).operatorIds());
    assertEquals(List.of("3-reduce", "4-sink"), chains.get(1).operatorIds());

    StreamingContext ctx = StreamingContext.builder("mixed").build();
    ctx.fromCollection(List.of("a", "b"))
        .map(PyOperator.of("scoring", "score", 2L))
        .map(Upper.class, ">")
        .sink(FileSink.class, "/tmp/x");
    JobPlan mixed = ctx.plan();
    assertEquals(Language.PYTHON, mixed.getOperators(1).getLanguage());
    assertEquals("scoring", mixed.getOperators(1).getFunction().getModule());
    assertEquals("score", mixed.getOperators(1).getFunction().getName());
    assertEquals(3, Chains.of(mixed).size()); // source | python map | java map -> sink
  }

  @Test
  void windowsAndUnionAreInThePlan() {
    StreamingContext ctx = StreamingContext.builder("w").build();
    DataStream<String> a = ctx.fromCollection(List.of("x"));
    DataStream<String> b = ctx.fromCollection(List.of("y")).filter(NotEmpty.class);
    a.union(b).flatMap(Split.class).keyBy(First.class).countWindow(3, 1).reduce(AddCounts.class)
        .sink(FileSink.class, "/tmp/y");
    JobPlan plan = ctx.plan();
    WindowSpec window =
        plan.getOperatorsList().stream().filter(o -> o.getKind() == OperatorKind.WINDOW).findFirst().get().getWindow();
    assertEquals(WindowSpec.Kind.SLIDING_COUNT, window.getKind());
    assertEquals(3, window.getSize());
    assertEquals(1, window.getSlide());
    assertEquals(2, plan.getEdgesList().stream().filter(e -> e.getDownstream().endsWith("union")).count());
  }

  /** A lambda's class cannot be created by name in another JVM. */
  @Test
  void badFunctionsAndValuesFailWhenTheJobIsBuilt() {
    StreamingContext ctx = StreamingContext.builder("bad").build();
    DataStream<String> s = ctx.fromCollection(List.of("a"));
    MapFunction<String, String> lambda = x -> x;
    @SuppressWarnings("unchecked")
    Class<? extends MapFunction<?, String>> lambdaClass =
        (Class<? extends MapFunction<?, String>>) lambda.getClass();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.map(lambdaClass));
    assertTrue(e.getMessage().contains("public"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> s.map(Upper.class));
    assertTrue(e.getMessage().contains("no public constructor taking 0"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> s.map(Upper.class, new Object()));
    assertTrue(e.getMessage().contains("XLANG"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> ctx.fromCollection(List.of(new Object())));
    assertTrue(e.getMessage().contains("fromCollection"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> s.parallelism(0));
    assertTrue(e.getMessage().contains("parallelism"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PlanJson.fromJson("{\"version\":1}"));
    assertTrue(e.getMessage().contains("no operators"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> PlanJson.fromJson("not json"));
    assertTrue(e.getMessage().contains("not valid JobPlan JSON"), e.getMessage());
  }
}
