package io.colony.tests.cluster;

/** Tasks and an actor that say where they run (the raylet sets COLONY_NODE_ID for workers). */
public final class Placement {
  public Placement() {}

  public static String nodeId() {
    return System.getenv("COLONY_NODE_ID");
  }

  public String actorNodeId() {
    return System.getenv("COLONY_NODE_ID");
  }
}
