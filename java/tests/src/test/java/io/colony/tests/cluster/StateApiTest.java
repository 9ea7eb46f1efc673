package io.colony.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ColonyConfig;
import io.colony.api.ObjectRef;
import io.colony.runtime.cluster.LocalCluster;
import io.colony.runtime.state.ClusterState;
import io.colony.runtime.state.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The Java state API on a live cluster: actors, tasks, nodes and jobs, filters, summaries. */
class StateApiTest {
  private static LocalCluster cluster;
  private static ClusterState state;

  @BeforeAll
  static void start() {
    cluster =
        LocalCluster.start(
            LocalCluster.binDirFromEnvironment(), LocalCluster.defaultSessionRoot(), "127.0.0.1", 2);
    System.setProperty("colony.token", cluster.token());
    Colony.init(ColonyConfig.builder().setAddress(cluster.gcsAddress()).build());
    state = new ClusterState(cluster.gcsAddress(), cluster.token());
  }

  @AfterAll
  static void stop() {
    if (cluster == null) {
      return;
    }
    Colony.shutdown();
    System.clearProperty("colony.token");
    cluster.close();
  }

  /** Task records reach the GCS within a flush interval: poll with a generous deadline. */
  private static <T> T waitFor(Supplier<T> value, String what) throws InterruptedException {
    long deadline = System.nanoTime() + 60_000_000_000L;
    while (true) {
      T got = value.get();
      if (got != null) {
        return got;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(100);
    }
  }

  @Test
  void listsActorsTasksNodesAndJobs() throws InterruptedException {
    ActorHandle<Counter> counter = Colony.actor(Counter::new, 5).remote();
    assertEquals(6, Colony.get(counter.task(Counter::increment, 1).remote()));
    List<ObjectRef<Integer>> refs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      refs.add(Colony.task(MathJob::square, i).remote());
    }
    assertEquals(List.of(0, 1, 4), Colony.get(refs));

    List<Map<String, Object>> alive =
        state.listActors(
            List.of(Filter.eq("state", "ALIVE"), Filter.eq("class_name", Counter.class.getName())),
            false);
    assertEquals(1, alive.size());
    String actorId = (String) alive.get(0).get("actor_id");
    assertEquals(
        Counter.class.getName(), state.getActor(actorId.substring(0, 12)).get().get("class_name"));
    assertEquals(Map.of("ALIVE", 1L), state.summarizeActors().get(Counter.class.getName()));

    Map<String, Long> squares =
        waitFor(
            () -> {
              Map<String, Long> counts =
                  state.summarizeTasks().entrySet().stream()
                      .filter(e -> e.getKey().endsWith("square"))
                      .map(Map.Entry::getValue)
                      .findFirst()
                      .orElse(null);
              return counts != null && counts.getOrDefault("FINISHED", 0L) == 3 ? counts : null;
            },
            "three finished square tasks");
    assertEquals(Map.of("FINISHED", 3L), squares);
    // The owner's FINISHED and the executor's RUNNING (with the pid) come from two processes'
    // event buffers, each flushed on its own timer: wait for both.
    List<Map<String, Object>> rows =
        waitFor(
            () -> {
              List<Map<String, Object>> finished =
                  state.listTasks(
                      List.of(Filter.eq("state", "FINISHED"), Filter.eq("type", "NORMAL_TASK")),
                      true);
              boolean pids =
                  finished.stream()
                      .allMatch(
                          r ->
                              r.get("worker_pid") instanceof Number
                                  && ((Number) r.get("worker_pid")).intValue() > 0);
              return finished.size() == 3 && pids ? finished : null;
            },
            "three finished square tasks with their workers' pids");
    assertEquals(3, rows.size());
    assertTrue(((Number) rows.get(0).get("worker_pid")).intValue() > 0);

    List<Map<String, Object>> nodes = state.listNodes(List.of(), false);
    assertEquals(1, nodes.size());
    assertEquals("ALIVE", nodes.get(0).get("state"));
    assertTrue(state.listJobs(List.of(Filter.eq("status", "RUNNING")), false).size() >= 1);
  }

  @Test
  void anUnknownFilterKeyIsNamed() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> state.listTasks(List.of(Filter.eq("nosuch", "x")), false));
    assertTrue(e.getMessage().contains("'nosuch'"), e.getMessage());
  }
}
