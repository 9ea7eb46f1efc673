package xdriver;

import static io.colony.api.scheduling.LabelOperator.doesNotExist;
import static io.colony.api.scheduling.LabelOperator.exists;
import static io.colony.api.scheduling.LabelOperator.in;
import static io.colony.api.scheduling.LabelOperator.notIn;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.scheduling.NodeLabelSchedulingStrategy;
import io.colony.api.scheduling.SchedulingStrategy;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A Java driver placing tasks and an actor with label selectors on a cluster whose nodes are
 * labelled zone=a (head), zone=b with disk=ssd, and zone=c (xlang_tests/test_java_scheduling.py);
 * prints "case=node ids" lines, the ids of the nodes each case's work ran on.
 */
public final class LabelPlacement {
  public LabelPlacement() {}

  public static String nodeId() {
    return System.getenv("COLONY_NODE_ID");
  }

  public String actorNodeId() {
    return System.getenv("COLONY_NODE_ID");
  }

  public static void main(String[] args) {
    Colony.init();
    try {
      place("in_b", new NodeLabelSchedulingStrategy(Map.of("zone", in("b"))));
      place("not_in_a_b", new NodeLabelSchedulingStrategy(Map.of("zone", notIn("a", "b"))));
      place(
          "no_disk_in_a_b",
          new NodeLabelSchedulingStrategy(Map.of("zone", in("a", "b"), "disk", doesNotExist())));
      place("soft_disk", new NodeLabelSchedulingStrategy(Map.of(), Map.of("disk", exists())));
      ActorHandle<LabelPlacement> actor =
          Colony.actor(LabelPlacement::new)
              .setSchedulingStrategy(new NodeLabelSchedulingStrategy(Map.of("zone", in("c"))))
              .remote();
      System.out.println(
          "actor_in_c=" + Colony.get(actor.task(LabelPlacement::actorNodeId).remote(), 120_000));
      ObjectRef<String> nowhere =
          Colony.task(LabelPlacement::nodeId)
              .setSchedulingStrategy(new NodeLabelSchedulingStrategy(Map.of("zone", in("d"))))
              .remote();
      boolean ran = !Colony.wait(List.of(nowhere), 1, 3_000).getReady().isEmpty();
      System.out.println("in_d_ran=" + ran);
      Colony.cancel(nowhere);
    } finally {
      Colony.shutdown();
    }
  }

  /** Runs 4 tasks one after another (each finds its preferred node free) with the strategy. */
  private static void place(String name, SchedulingStrategy strategy) {
    TreeSet<String> nodes = new TreeSet<>();
    for (int i = 0; i < 4; i++) {
      nodes.add(
          Colony.get(
              Colony.task(LabelPlacement::nodeId).setSchedulingStrategy(strategy).remote(),
              120_000));
    }
    System.out.println(name + "=" + String.join(",", nodes));
  }
}
