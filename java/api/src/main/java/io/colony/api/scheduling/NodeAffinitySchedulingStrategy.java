package io.colony.api.scheduling;

import java.util.regex.Pattern;

/**
 * Runs on one node, named by its id (32 hex digits, as {@code colony.nodes()} and the {@code
 * colony.io/node-id} label give it). Hard ({@code soft=false}): the work fails when that node is
 * dead, unknown or cannot fit it; soft: it runs elsewhere then.
 */
public final class NodeAffinitySchedulingStrategy implements SchedulingStrategy {
  private static final Pattern NODE_ID = Pattern.compile("[0-9a-f]{32}");

  private final String nodeId;
  private final boolean soft;

  public NodeAffinitySchedulingStrategy(String nodeId, boolean soft) {
    if (nodeId == null || !NODE_ID.matcher(nodeId).matches()) {
      throw new IllegalArgumentException(
          "NodeAffinitySchedulingStrategy needs a node id of 32 lowercase hex digits, got "
              + (nodeId == null ? "null" : "'" + nodeId + "'"));
    }
    this.nodeId = nodeId;
    this.soft = soft;
  }

  public String getNodeId() {
    return nodeId;
  }

  public boolean isSoft() {
    return soft;
  }

  @Override
  public String toString() {
    return "NodeAffinitySchedulingStrategy(" + nodeId + ", soft=" + soft + ")";
  }
}
