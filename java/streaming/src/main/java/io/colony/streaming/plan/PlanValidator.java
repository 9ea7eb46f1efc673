package io.colony.streaming.plan;

import io.colony.streaming.proto.StreamingPlan.Edge;
import io.colony.streaming.proto.StreamingPlan.JobPlan;
import io.colony.streaming.proto.StreamingPlan.Operator;
import io.colony.streaming.proto.StreamingPlan.OperatorKind;
import io.colony.streaming.proto.StreamingPlan.Partitioning;
import java.util.HashMap;
import java.util.Map;

/** Checks that a plan can run; errors name the operator or edge and the problem. */
public final class PlanValidator {
  private PlanValidator() {}

  /**
   * @throws IllegalArgumentException naming what is wrong
   */
  public static void validate(JobPlan plan) {
    if (plan.getVersion() != 1) {
      throw new IllegalArgumentException("plan version " + plan.getVersion() + " is not 1");
    }
    if (plan.getOperatorsCount() == 0) {
      throw new IllegalArgumentException("the job " + plan.getName() + " has no operators");
    }
    Map<String, Operator> byId = new HashMap<>();
    for (Operator op : plan.getOperatorsList()) {
      if (byId.put(op.getId(), op) != null) {
        throw new IllegalArgumentException("two operators have the id " + op.getId());
      }
      if (op.getParallelism() < 1) {
        throw new IllegalArgumentException("operator " + op.getId() + " has parallelism 0");
      }
      if (op.getKind() == OperatorKind.OPERATOR_KIND_UNSPECIFIED) {
        throw new IllegalArgumentException("operator " + op.getId() + " has no kind");
      }
    }
    Map<String, Integer> inputs = new HashMap<>();
    Map<String, Integer> outputs = new HashMap<>();
    for (Edge edge : plan.getEdgesList()) {
      Operator up = byId.get(edge.getUpstream());
      Operator down = byId.get(edge.getDownstream());
      if (up == null || down == null) {
        throw new IllegalArgumentException(
            "edge " + edge.getUpstream() + " -> " + edge.getDownstream() + " names no operator");
      }
      if (edge.getPartitioning() == Partitioning.FORWARD
          && up.getParallelism() != down.getParallelism()) {
        throw new IllegalArgumentException(
            "FORWARD edge " + up.getId() + " -> " + down.getId() + " joins unequal parallelisms");
      }
      if (edge.getPartitioning() == Partitioning.KEY_HASH && up.getKind() != OperatorKind.KEY_BY) {
        throw new IllegalArgumentException(
            "KEY_HASH edge " + up.getId() + " -> " + down.getId() + " does not follow a key_by");
      }
      inputs.merge(down.getId(), 1, Integer::sum);
      outputs.merge(up.getId(), 1, Integer::sum);
    }
    for (Operator op : plan.getOperatorsList()) {
      boolean source = op.getKind() == OperatorKind.SOURCE;
      int in = inputs.getOrDefault(op.getId(), 0);
      if (source && in > 0) {
        throw new IllegalArgumentException("source " + op.getId() + " has an input");
      }
      if (!source && in == 0) {
        throw new IllegalArgumentException(
            "operator " + op.getId() + " (" + op.getName() + ") has no input");
      }
      boolean keyed =
          op.getKind() == OperatorKind.REDUCE
              || op.getKind() == OperatorKind.WINDOW
              || op.getKind() == OperatorKind.PROCESS;
      if (keyed) {
        for (Edge edge : plan.getEdgesList()) {
          if (edge.getDownstream().equals(op.getId())
              && edge.getPartitioning() != Partitioning.KEY_HASH) {
            throw new IllegalArgumentException(
                "operator " + op.getId() + " (" + op.getName() + ") is keyed: call key_by first");
          }
        }
      }
      if (op.getKind() == OperatorKind.SINK && outputs.getOrDefault(op.getId(), 0) > 0) {
        throw new IllegalArgumentException("sink " + op.getId() + " has an output");
      }
    }
  }
}
