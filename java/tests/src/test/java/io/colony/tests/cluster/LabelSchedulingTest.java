package io.colony.tests.cluster;

import static io.colony.api.scheduling.LabelOperator.doesNotExist;
import static io.colony.api.scheduling.LabelOperator.exists;
import static io.colony.api.scheduling.LabelOperator.in;
import static io.colony.api.scheduling.LabelOperator.notIn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.WaitResult;
import io.colony.api.exception.TaskCancelledException;
import io.colony.api.scheduling.NodeAffinitySchedulingStrategy;
import io.colony.api.scheduling.NodeLabelSchedulingStrategy;
import io.colony.api.scheduling.SchedulingStrategy;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Strategies from Java reach the schedulers on a one-node cluster: selectors the node satisfies
 * (its built-in colony.io/node-id label) run there, a hard one it does not stays pending. The
 * multi-node cases (which node of several) are in xlang_tests/test_java_scheduling.py.
 */
class LabelSchedulingTest extends ClusterTestBase {
  private static final String NODE_ID_LABEL = "colony.io/node-id";

  private static String nodeId() {
    String id = Colony.get(Colony.task(Placement::nodeId).remote(), 60_000);
    assertNotNull(id);
    return id;
  }

  @Test
  void hardAndSoftSelectorsTheNodeSatisfiesRunThere() {
    String node = nodeId();
    NodeLabelSchedulingStrategy hard =
        new NodeLabelSchedulingStrategy(
            Map.of(NODE_ID_LABEL, in(node), "no-such-label", doesNotExist()));
    assertEquals(node, Colony.get(Colony.task(Placement::nodeId).setSchedulingStrategy(hard)
        .remote(), 60_000));
    // A soft selector no node satisfies is only a preference.
    NodeLabelSchedulingStrategy soft =
        new NodeLabelSchedulingStrategy(Map.of(), Map.of("no-such-label", exists()));
    assertEquals(node, Colony.get(Colony.task(Placement::nodeId).setSchedulingStrategy(soft)
        .remote(), 60_000));
    ActorHandle<Placement> actor =
        Colony.actor(Placement::new)
            .setSchedulingStrategy(
                new NodeLabelSchedulingStrategy(Map.of(NODE_ID_LABEL, exists())))
            .remote();
    assertEquals(node, Colony.get(actor.task(Placement::actorNodeId).remote(), 60_000));
  }

  @Test
  void aHardSelectorNoNodeSatisfiesStaysPending() {
    String node = nodeId();
    ObjectRef<String> pending =
        Colony.task(Placement::nodeId)
            .setSchedulingStrategy(
                new NodeLabelSchedulingStrategy(Map.of(NODE_ID_LABEL, notIn(node))))
            .remote();
    WaitResult<String> result = Colony.wait(List.of(pending), 1, 3_000);
    assertTrue(result.getReady().isEmpty(), "a task no node may run was run");
    Colony.cancel(pending);
    assertThrows(TaskCancelledException.class, () -> Colony.get(pending, 60_000));
  }

  @Test
  void nodeAffinityAndSpreadRunOnTheOnlyNode() {
    String node = nodeId();
    assertEquals(node, Colony.get(Colony.task(Placement::nodeId)
        .setSchedulingStrategy(new NodeAffinitySchedulingStrategy(node, false)).remote(), 60_000));
    assertEquals(node, Colony.get(Colony.task(Placement::nodeId)
        .setSchedulingStrategy(SchedulingStrategy.spread()).remote(), 60_000));
  }
}
