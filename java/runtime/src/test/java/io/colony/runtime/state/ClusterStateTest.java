package io.colony.runtime.state;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.colony.runtime.generated.Common.ActorTableData;
import io.colony.runtime.generated.Gcs;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Java state API over a fake GCS transport: rows, filters, summaries, bad filters. */
class ClusterStateTest {
  private final List<String> calls = new ArrayList<>();

  private static ByteString id(int first, int size) {
    byte[] bytes = new byte[size];
    bytes[0] = (byte) first;
    return ByteString.copyFrom(bytes);
  }

  private ClusterState state() {
    return new ClusterState(
        (method, request) -> {
          calls.add(method);
          switch (method) {
            case "GetAllActorInfo":
              return Gcs.GetAllActorInfoReply.newBuilder()
                  .addActors(actor(1, "Counter", ActorTableData.State.ALIVE))
                  .addActors(actor(2, "Counter", ActorTableData.State.DEAD))
                  .addActors(actor(3, "Tally", ActorTableData.State.ALIVE))
                  .build()
                  .toByteArray();
            case "GetTaskAttempts":
              return Gcs.GetTaskAttemptsReply.newBuilder()
                  .addAttempts(task(1, 0, "FAILED"))
                  .addAttempts(task(1, 1, "FINISHED"))
                  .addAttempts(task(2, 0, "EXECUTED"))
                  .build()
                  .toByteArray();
            default:
              throw new AssertionError("unexpected call " + method);
          }
        });
  }

  private static ActorTableData actor(int n, String cls, ActorTableData.State state) {
    ActorTableData.Builder a =
        ActorTableData.newBuilder().setActorId(id(n, 16)).setClassName(cls).setState(state);
    if (state == ActorTableData.State.DEAD) {
      a.setDeathCause(ActorTableData.DeathCause.KILLED).setDeathMessage("killed");
    }
    return a.build();
  }

  private static Gcs.TaskAttempt task(int n, int attempt, String state) {
    return Gcs.TaskAttempt.newBuilder()
        .setTaskId(id(n, 16))
        .setAttempt(attempt)
        .setName("square")
        .setFunc("MathJob.square")
        .setState(state)
        .putStateTimesUs("SUBMITTED", 5_000)
        .build();
  }

  @Test
  void listsActorsWithFiltersAndDetail() {
    ClusterState state = state();
    List<Map<String, Object>> alive = state.listActors(List.of(Filter.eq("state", "alive")), false);
    assertEquals(2, alive.size());
    assertFalse(alive.get(0).containsKey("death_message")); // brief columns only
    List<Map<String, Object>> dead =
        state.listActors(List.of(Filter.ne("state", "ALIVE")), true);
    assertEquals(1, dead.size());
    assertEquals("KILLED", dead.get(0).get("death_cause"));
    assertEquals("02" + "00".repeat(15), dead.get(0).get("actor_id"));
    assertTrue(state.getActor("02").isPresent()); // a hex prefix is enough
    assertTrue(state.getActor("ff").isEmpty());
    assertEquals(
        Map.of("Counter", Map.of("ALIVE", 1L, "DEAD", 1L), "Tally", Map.of("ALIVE", 1L)),
        state.summarizeActors());
  }

  @Test
  void summarizesTasksByTheirLatestAttempt() {
    ClusterState state = state();
    List<Map<String, Object>> rows = state.listTasks(List.of(), true);
    assertEquals(3, rows.size());
    assertEquals("RUNNING", rows.get(2).get("state")); // executed, not yet finished
    assertEquals(Map.of("SUBMITTED", 5L), rows.get(0).get("state_times_ms"));
    assertEquals(
        Map.of("MathJob.square", Map.of("FINISHED", 1L, "RUNNING", 1L)), state.summarizeTasks());
  }

  @Test
  void badFiltersNameTheProblem() {
    ClusterState state = state();
    IllegalArgumentException key =
        assertThrows(
            IllegalArgumentException.class,
            () -> state.listActors(List.of(Filter.eq("colour", "red")), false));
    assertTrue(key.getMessage().contains("unknown filter key 'colour' for actors"));
    assertTrue(key.getMessage().contains("class_name"));
    IllegalArgumentException op =
        assertThrows(IllegalArgumentException.class, () -> new Filter("state", ">", "x"));
    assertTrue(op.getMessage().contains("'>'"));
  }
}
