package io.colony.api.scheduling;

import static io.colony.api.scheduling.LabelOperator.doesNotExist;
import static io.colony.api.scheduling.LabelOperator.exists;
import static io.colony.api.scheduling.LabelOperator.in;
import static io.colony.api.scheduling.LabelOperator.notIn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulingStrategyTest {
  @Test
  void labelOperatorsKeepTheirKindAndValues() {
    assertEquals(LabelOperator.Kind.IN, in("a", "b").getKind());
    assertEquals(List.of("a", "b"), in("a", "b").getValues());
    assertEquals(LabelOperator.Kind.NOT_IN, notIn("c").getKind());
    assertEquals(List.of(), exists().getValues());
    assertEquals(LabelOperator.Kind.DOES_NOT_EXIST, doesNotExist().getKind());
    assertEquals(in("a"), in("a"));
  }

  @Test
  void badLabelOperatorsAreRejected() {
    assertMessage("in() needs at least one label value", () -> in());
    assertMessage("notIn() takes non-empty strings, got ''", () -> notIn("a", ""));
    assertMessage("in() takes non-empty strings, got null", () -> in((String) null));
  }

  @Test
  void selectorsAreCopiedInOrder() {
    Map<String, LabelOperator> hard = new HashMap<>();
    hard.put("zone", in("a"));
    NodeLabelSchedulingStrategy strategy =
        new NodeLabelSchedulingStrategy(hard, Map.of("disk", exists()));
    hard.clear(); // the strategy keeps its own copy
    assertEquals(Map.of("zone", in("a")), strategy.getHard());
    assertEquals(Map.of("disk", exists()), strategy.getSoft());
    assertEquals(Map.of(), new NodeLabelSchedulingStrategy(Map.of("k", exists())).getSoft());
  }

  @Test
  void badSelectorsAreRejected() {
    assertMessage(
        "NodeLabelSchedulingStrategy needs a hard or a soft selector",
        () -> new NodeLabelSchedulingStrategy(Map.of(), null));
    assertMessage(
        "NodeLabelSchedulingStrategy hard: label keys must be non-empty strings",
        () -> new NodeLabelSchedulingStrategy(Map.of("", exists())));
    Map<String, LabelOperator> nullOp = new HashMap<>();
    nullOp.put("zone", null);
    assertMessage(
        "NodeLabelSchedulingStrategy soft['zone'] must be in(...), notIn(...), exists() or "
            + "doesNotExist(), got null",
        () -> new NodeLabelSchedulingStrategy(Map.of("k", exists()), nullOp));
  }

  @Test
  void nodeAffinityNeedsAHexNodeId() {
    String id = "0123456789abcdef0123456789abcdef";
    NodeAffinitySchedulingStrategy strategy = new NodeAffinitySchedulingStrategy(id, true);
    assertEquals(id, strategy.getNodeId());
    assertTrue(strategy.isSoft());
    assertMessage(
        "NodeAffinitySchedulingStrategy needs a node id of 32 lowercase hex digits, got 'node-1'",
        () -> new NodeAffinitySchedulingStrategy("node-1", false));
    assertMessage(
        "NodeAffinitySchedulingStrategy needs a node id of 32 lowercase hex digits, got null",
        () -> new NodeAffinitySchedulingStrategy(null, false));
  }

  private static void assertMessage(String message, Runnable action) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, action::run);
    assertEquals(message, e.getMessage());
  }
}
