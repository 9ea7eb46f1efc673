package io.colony.streaming.plan;

import io.colony.runtime.generated.Common.Language;
import io.colony.streaming.proto.StreamingPlan.Edge;
import io.colony.streaming.proto.StreamingPlan.JobPlan;
import io.colony.streaming.proto.StreamingPlan.Operator;
import io.colony.streaming.proto.StreamingPlan.OperatorKind;
import io.colony.streaming.proto.StreamingPlan.Partitioning;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A plan's chains (docs/streaming.md, "Actors"): operators joined by a {@code FORWARD} edge, of the
 * same language and parallelism, where the upstream has only that output and the downstream only
 * that input, run in one actor per instance. Every other edge is a set of channels.
 */
public final class Chains {
  /** One chain: its operators (upstream first), language and parallelism. */
  public record Chain(int index, List<Operator> operators) {
    public Operator head() {
      return operators.get(0);
    }

    public Operator tail() {
      return operators.get(operators.size() - 1);
    }

    public int parallelism() {
      return head().getParallelism();
    }

    public Language language() {
      return head().getLanguage();
    }

    public boolean isSource() {
      return head().getKind() == OperatorKind.SOURCE;
    }

    public List<String> operatorIds() {
      List<String> ids = new ArrayList<>();
      for (Operator op : operators) {
        ids.add(op.getId());
      }
      return ids;
    }

    public String name() {
      List<String> names = new ArrayList<>();
      for (Operator op : operators) {
        names.add(op.getName());
      }
      return String.join(" -> ", names);
    }
  }

  private Chains() {}

  /** The chains of {@code plan}, in the plan's operator order of their heads. */
  public static List<Chain> of(JobPlan plan) {
    Map<String, Operator> byId = new LinkedHashMap<>();
    for (Operator op : plan.getOperatorsList()) {
      byId.put(op.getId(), op);
    }
    Map<String, String> chainedNext = new LinkedHashMap<>(); // upstream id -> downstream id
    Map<String, String> chainedPrev = new LinkedHashMap<>();
    for (Edge edge : plan.getEdgesList()) {
      Operator up = byId.get(edge.getUpstream());
      Operator down = byId.get(edge.getDownstream());
      if (edge.getPartitioning() == Partitioning.FORWARD
          && up.getLanguage() == down.getLanguage()
          && up.getParallelism() == down.getParallelism()
          && count(plan, edge.getUpstream(), true) == 1
          && count(plan, edge.getDownstream(), false) == 1) {
        chainedNext.put(up.getId(), down.getId());
        chainedPrev.put(down.getId(), up.getId());
      }
    }
    List<Chain> chains = new ArrayList<>();
    for (Operator op : plan.getOperatorsList()) {
      if (chainedPrev.containsKey(op.getId())) {
        continue; // inside a chain headed by an earlier operator
      }
      List<Operator> members = new ArrayList<>();
      String id = op.getId();
      while (id != null) {
        members.add(byId.get(id));
        id = chainedNext.get(id);
      }
      chains.add(new Chain(chains.size(), List.copyOf(members)));
    }
    return chains;
  }

  private static int count(JobPlan plan, String id, boolean outputs) {
    int n = 0;
    for (Edge edge : plan.getEdgesList()) {
      if ((outputs ? edge.getUpstream() : edge.getDownstream()).equals(id)) {
        n++;
      }
    }
    return n;
  }

  /** Index of the edge in the plan (channel ids and configs name edges by index). */
  public static List<Integer> inputEdges(JobPlan plan, String operatorId) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < plan.getEdgesCount(); i++) {
      if (plan.getEdges(i).getDownstream().equals(operatorId)) {
        out.add(i);
      }
    }
    return out;
  }

  public static List<Integer> outputEdges(JobPlan plan, String operatorId) {
    List<Integer> out = new ArrayList<>();
    for (int i = 0; i < plan.getEdgesCount(); i++) {
      if (plan.getEdges(i).getUpstream().equals(operatorId)) {
        out.add(i);
      }
    }
    return out;
  }

  /** The channel id of docs/streaming.md: {@code <edge>:<upstream instance>:<downstream instance>}. */
  public static String channelId(int edge, int upstreamInstance, int downstreamInstance) {
    return edge + ":" + upstreamInstance + ":" + downstreamInstance;
  }
}
