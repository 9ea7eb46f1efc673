package io.colony.streaming.plan;

import io.colony.runtime.generated.Common.Language;
import io.colony.streaming.proto.StreamingPlan.ChannelConfig;
import io.colony.streaming.proto.StreamingPlan.CheckpointConfig;
import io.colony.streaming.proto.StreamingPlan.Edge;
import io.colony.streaming.proto.StreamingPlan.FunctionRef;
import io.colony.streaming.proto.StreamingPlan.JobPlan;
import io.colony.streaming.proto.StreamingPlan.Operator;
import io.colony.streaming.proto.StreamingPlan.OperatorKind;
import io.colony.streaming.proto.StreamingPlan.Partitioning;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The operators and edges a {@code StreamingContext} has built so far; {@link #toPlan} makes the
 * {@link JobPlan}. Edge partitioning is decided then, when every parallelism is known: after a
 * {@code KEY_BY} it is {@code KEY_HASH}, between equal parallelisms {@code FORWARD}, else {@code
 * REBALANCE}.
 */
public final class PlanGraph {
  private final List<Operator.Builder> operators = new ArrayList<>();
  private final List<String[]> edges = new ArrayList<>();

  /** Adds an operator (its id is set here: {@code <n>-<kind>}); returns its id. */
  public String add(Operator.Builder operator, List<String> upstreams) {
    String id =
        operators.size() + "-" + operator.getKind().name().toLowerCase(Locale.ROOT).replace('_', '-');
    operator.setId(id);
    if (operator.getName().isEmpty()) {
      operator.setName(id);
    }
    if (operator.getParallelism() == 0) {
      operator.setParallelism(1);
    }
    operators.add(operator);
    for (String upstream : upstreams) {
      edges.add(new String[] {upstream, id});
    }
    return id;
  }

  /** The operator with this id, to change its parallelism or name. */
  public Operator.Builder operator(String id) {
    for (Operator.Builder op : operators) {
      if (op.getId().equals(id)) {
        return op;
      }
    }
    throw new IllegalArgumentException("no operator " + id);
  }

  public boolean hasDownstream(String id) {
    for (String[] edge : edges) {
      if (edge[0].equals(id)) {
        return true;
      }
    }
    return false;
  }

  /** A Java function by class name, with its constructor's arguments as an XLANG list. */
  public static FunctionRef javaFunction(Class<?> type, byte[] args) {
    return FunctionRef.newBuilder()
        .setLanguage(Language.JAVA)
        .setJavaClass(type.getName())
        .setArgs(com.google.protobuf.ByteString.copyFrom(args))
        .build();
  }

  /** The plan; {@link PlanValidator} checks it. */
  public JobPlan toPlan(String name, ChannelConfig channel, CheckpointConfig checkpoint) {
    JobPlan.Builder plan =
        JobPlan.newBuilder().setVersion(1).setName(name).setChannel(channel).setCheckpoint(checkpoint);
    for (Operator.Builder op : operators) {
      plan.addOperators(op.build());
    }
    for (String[] edge : edges) {
      Operator.Builder up = operator(edge[0]);
      Operator.Builder down = operator(edge[1]);
      Partitioning partitioning;
      if (up.getKind() == OperatorKind.KEY_BY) {
        partitioning = Partitioning.KEY_HASH;
      } else if (up.getParallelism() == down.getParallelism()) {
        partitioning = Partitioning.FORWARD;
      } else {
        partitioning = Partitioning.REBALANCE;
      }
      plan.addEdges(
          Edge.newBuilder()
              .setUpstream(edge[0])
              .setDownstream(edge[1])
              .setPartitioning(partitioning));
    }
    JobPlan built = plan.build();
    PlanValidator.validate(built);
    return built;
  }
}
