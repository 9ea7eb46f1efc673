package io.colony.runtime.state;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.Parser;
import io.colony.api.exception.ColonyException;
import io.colony.runtime.cluster.ClusterAddress;
import io.colony.runtime.generated.Common.ActorTableData;
import io.colony.runtime.generated.Common.JobInfo;
import io.colony.runtime.generated.Common.NodeInfo;
import io.colony.runtime.generated.Gcs;
import io.colony.runtime.jni.NativeCoreWorker;
import io.colony.runtime.jni.NativeLibraryLoader;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;

/**
 * The state API from Java (docs/observability.md, "Events and state"): the cluster's actors,
 * tasks, nodes and jobs as rows with the same column names as Python's {@code
 * colony.util.state} and {@code colony list}, read straight from the GCS (no driver needed).
 *
 * <pre>{@code
 * ClusterState state = ClusterState.connect("auto");
 * state.listActors(List.of(Filter.eq("state", "ALIVE")), false);
 * state.summarizeTasks();
 * }</pre>
 *
 * Unknown filter keys fail with an {@link IllegalArgumentException} naming the key and the keys
 * there are.
 */
public final class ClusterState {
  /** One GCS read: a serialized request of {@code method} in, its serialized reply out. */
  public interface Transport {
    byte[] call(String method, byte[] request);
  }

  public static final List<String> ACTOR_COLUMNS =
      List.of(
          "actor_id", "class_name", "state", "name", "namespace", "job_id", "node_id", "worker_id",
          "pid", "num_restarts", "max_restarts", "detached", "language", "death_cause",
          "death_message");
  public static final List<String> TASK_COLUMNS =
      List.of(
          "task_id", "attempt_number", "name", "state", "job_id", "type", "func_name", "actor_id",
          "node_id", "worker_id", "worker_pid", "error_type", "error_message", "state_times_ms");
  public static final List<String> NODE_COLUMNS =
      List.of("node_id", "state", "node_ip", "raylet_port", "resources_total", "death_reason");
  public static final List<String> JOB_COLUMNS =
      List.of("job_id", "status", "namespace", "driver_pid", "start_time_ms", "end_time_ms");

  private static final HexFormat HEX = HexFormat.of();
  private final Transport transport;

  public ClusterState(Transport transport) {
    this.transport = transport;
  }

  /** Reads the cluster whose GCS is at {@code gcsAddress}. */
  public ClusterState(String gcsAddress, String token) {
    this(nativeTransport(gcsAddress, token));
  }

  /** {@code HOST:PORT} or {@code auto} (the cluster started on this host), as drivers resolve. */
  public static ClusterState connect(String address) {
    ClusterAddress resolved = ClusterAddress.resolve(address);
    return new ClusterState(resolved.gcsAddress(), resolved.token());
  }

  private static Transport nativeTransport(String gcsAddress, String token) {
    NativeLibraryLoader.load();
    return (method, request) -> NativeCoreWorker.gcsStateCall(gcsAddress, token, method, request);
  }

  // ---- actors

  public List<Map<String, Object>> listActors(List<Filter> filters, boolean detail) {
    Gcs.GetAllActorInfoReply reply =
        call(
            "GetAllActorInfo",
            Gcs.GetAllActorInfoRequest.getDefaultInstance(),
            Gcs.GetAllActorInfoReply.parser());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (ActorTableData a : reply.getActorsList()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("actor_id", hex(a.getActorId()));
      row.put("class_name", a.getClassName());
      row.put("state", a.getState().name());
      row.put("name", a.getName());
      row.put("namespace", a.getNamespace());
      row.put("job_id", hex(a.getJobId()));
      ByteString node = a.getAddress().getNodeId().isEmpty() ? a.getNodeId() : a.getAddress().getNodeId();
      row.put("node_id", hex(node));
      row.put("worker_id", hex(a.getAddress().getWorkerId()));
      row.put("pid", a.getPid());
      row.put("num_restarts", a.getNumRestarts());
      row.put("max_restarts", a.getMaxRestarts());
      row.put("detached", a.getDetached());
      row.put("language", a.getLanguage().name());
      row.put(
          "death_cause",
          a.getDeathCause() == ActorTableData.DeathCause.NOT_DEAD ? "" : a.getDeathCause().name());
      row.put("death_message", a.getDeathMessage());
      rows.add(row);
    }
    rows.sort((x, y) -> ((String) x.get("actor_id")).compareTo((String) y.get("actor_id")));
    return finish(rows, ACTOR_COLUMNS, filters, detail, 8, "actors");
  }

  /** The actor with this id (or unique hex prefix), every column. */
  public Optional<Map<String, Object>> getActor(String actorId) {
    List<Map<String, Object>> found = listActors(List.of(Filter.eq("actor_id", actorId)), true);
    return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
  }

  /** Class name to counts by state. */
  public Map<String, Map<String, Long>> summarizeActors() {
    return summarize(listActors(List.of(), true), "class_name");
  }

  // ---- tasks

  /** One row per kept task attempt, oldest first. */
  public List<Map<String, Object>> listTasks(List<Filter> filters, boolean detail) {
    Gcs.GetTaskAttemptsReply reply =
        call(
            "GetTaskAttempts",
            Gcs.GetTaskAttemptsRequest.getDefaultInstance(),
            Gcs.GetTaskAttemptsReply.parser());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Gcs.TaskAttempt a : reply.getAttemptsList()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("task_id", hex(a.getTaskId()));
      row.put("attempt_number", a.getAttempt());
      row.put("name", a.getName());
      row.put("state", a.getState().equals("EXECUTED") ? "RUNNING" : a.getState());
      row.put("job_id", hex(a.getJobId()));
      row.put("type", a.getType());
      row.put("func_name", a.getFunc());
      row.put("actor_id", hex(a.getActorId()));
      row.put("node_id", hex(a.getNodeId()));
      row.put("worker_id", hex(a.getWorkerId()));
      row.put("worker_pid", a.getPid());
      row.put("error_type", a.getErrorType());
      row.put("error_message", a.getErrorMessage());
      Map<String, Long> times = new TreeMap<>();
      a.getStateTimesUsMap().forEach((state, us) -> times.put(state, us / 1000));
      row.put("state_times_ms", times);
      rows.add(row);
    }
    return finish(rows, TASK_COLUMNS, filters, detail, 10, "tasks");
  }

  /** Function name to counts by state, by each task's latest attempt. */
  public Map<String, Map<String, Long>> summarizeTasks() {
    Map<String, Map<String, Object>> latest = new LinkedHashMap<>();
    for (Map<String, Object> row : listTasks(List.of(), true)) {
      latest.merge(
          (String) row.get("task_id"),
          row,
          (a, b) -> (int) b.get("attempt_number") >= (int) a.get("attempt_number") ? b : a);
    }
    return summarize(new ArrayList<>(latest.values()), "func_name");
  }

  // ---- nodes, jobs

  public List<Map<String, Object>> listNodes(List<Filter> filters, boolean detail) {
    Gcs.GetAllNodeInfoReply reply =
        call(
            "GetAllNodeInfo",
            Gcs.GetAllNodeInfoRequest.getDefaultInstance(),
            Gcs.GetAllNodeInfoReply.parser());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (NodeInfo n : reply.getNodesList()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("node_id", hex(n.getNodeId()));
      row.put("state", n.getAlive() ? "ALIVE" : "DEAD");
      row.put("node_ip", n.getIp());
      row.put("raylet_port", n.getRayletPort());
      row.put("resources_total", new TreeMap<>(n.getResourcesTotalMap()));
      row.put("death_reason", n.getDeathReason());
      rows.add(row);
    }
    return finish(rows, NODE_COLUMNS, filters, detail, NODE_COLUMNS.size(), "nodes");
  }

  public List<Map<String, Object>> listJobs(List<Filter> filters, boolean detail) {
    Gcs.GetAllJobInfoReply reply =
        call(
            "GetAllJobInfo",
            Gcs.GetAllJobInfoRequest.getDefaultInstance(),
            Gcs.GetAllJobInfoReply.parser());
    List<Map<String, Object>> rows = new ArrayList<>();
    for (JobInfo j : reply.getJobsList()) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("job_id", hex(j.getJobId()));
      row.put("status", j.getIsDead() ? "FINISHED" : "RUNNING");
      row.put("namespace", j.getNamespace());
      row.put("driver_pid", j.getDriverPid());
      row.put("start_time_ms", j.getStartTimeMs());
      row.put("end_time_ms", j.getEndTimeMs());
      rows.add(row);
    }
    return finish(rows, JOB_COLUMNS, filters, detail, JOB_COLUMNS.size(), "jobs");
  }

  // ---- helpers

  private <T extends Message> T call(String method, Message request, Parser<T> parser) {
    byte[] reply = transport.call(method, request.toByteArray());
    try {
      return parser.parseFrom(reply);
    } catch (InvalidProtocolBufferException e) {
      throw new ColonyException("the GCS's " + method + " reply does not parse", e);
    }
  }

  /** Filters (after checking their keys), then keeps the first {@code brief} columns. */
  private static List<Map<String, Object>> finish(
      List<Map<String, Object>> rows,
      List<String> columns,
      List<Filter> filters,
      boolean detail,
      int brief,
      String resource) {
    for (Filter f : filters) {
      if (!columns.contains(f.key())) {
        throw new IllegalArgumentException(
            "unknown filter key '"
                + f.key()
                + "' for "
                + resource
                + "; known keys: "
                + String.join(", ", columns));
      }
    }
    List<Map<String, Object>> out = new ArrayList<>();
    for (Map<String, Object> row : rows) {
      if (filters.stream().allMatch(f -> f.matches(row.get(f.key())))) {
        if (!detail) {
          Map<String, Object> shown = new LinkedHashMap<>();
          for (String c : columns.subList(0, Math.min(brief, columns.size()))) {
            shown.put(c, row.get(c));
          }
          out.add(shown);
        } else {
          out.add(row);
        }
      }
    }
    return out;
  }

  private static Map<String, Map<String, Long>> summarize(
      List<Map<String, Object>> rows, String by) {
    Map<String, Map<String, Long>> out = new TreeMap<>();
    for (Map<String, Object> row : rows) {
      out.computeIfAbsent(String.valueOf(row.get(by)), k -> new TreeMap<>())
          .merge(String.valueOf(row.get("state")), 1L, Long::sum);
    }
    return out;
  }

  private static String hex(ByteString bytes) {
    return bytes.isEmpty() ? "" : HEX.formatHex(bytes.toByteArray());
  }
}
