package io.colony.streaming.coordinator;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import io.colony.runtime.generated.Common.Language;
import io.colony.streaming.JobStatus;
import io.colony.streaming.OperatorMetrics;
import io.colony.streaming.StreamingJob;
import io.colony.streaming.plan.Chains;
import io.colony.streaming.plan.Chains.Chain;
import io.colony.streaming.plan.PlanJson;
import io.colony.streaming.proto.StreamingPlan.CheckpointConfig;
import io.colony.streaming.proto.StreamingPlan.Edge;
import io.colony.streaming.proto.StreamingPlan.JobPlan;
import io.colony.streaming.proto.StreamingPlan.Partitioning;
import io.colony.streaming.runtime.OperatorActor;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Runs a job from the driver (docs/streaming.md, "Checkpoints"): creates one operator actor per
 * chain instance (Java or Python), opens and starts them, polls them, triggers checkpoints at
 * sources, saves complete ones and tells every instance to commit, triggers the final checkpoint
 * once every source is exhausted, and restarts all instances from the last complete checkpoint when
 * one fails or dies.
 */
public final class JobCoordinator implements Runnable {
  static final String PY_MODULE = "colony.streaming.runtime.operator_actor";
  private static final long POLL_MS = 100;
  private static final long CALL_TIMEOUT_MS = 60_000;

  /** One actor: instance {@code index} of a chain. */
  private static final class Slot {
    final Chain chain;
    final int index;
    ActorHandle<?> handle;
    final Map<String, long[]> last = new HashMap<>(); // operator id -> {in, out} at the last poll

    Slot(Chain chain, int index) {
      this.chain = chain;
      this.index = index;
    }

    String key() {
      return chain.index() + ":" + index;
    }

    boolean python() {
      return chain.language() == Language.PYTHON;
    }
  }

  private final JobPlan plan;
  private final int maxRestarts;
  private final String planJson;
  private final List<Chain> chains;
  private final CheckpointStore store;
  private final List<Slot> slots = new ArrayList<>();
  private final StreamingJob job;
  private final Thread thread;

  private int attempt;
  private long nextCheckpoint = 1;
  private long inFlight = -1;
  private boolean inFlightFinal;
  private long inFlightStartNanos;
  private final Map<String, byte[]> acks = new HashMap<>();
  private long lastTriggerNanos = System.nanoTime();
  private boolean finalTriggered;
  private long finalId = -1;
  private boolean finalCompleted;
  private long lastPollNanos;
  private volatile boolean stopRequested;
  private volatile boolean stopWithCheckpoint;
  private long stopCheckpoint = -1; // the checkpoint a stop waits for

  private JobCoordinator(JobPlan plan, CheckpointStore store, int maxRestarts) {
    this.plan = plan;
    this.maxRestarts = maxRestarts;
    this.planJson = PlanJson.toJson(plan);
    this.chains = Chains.of(plan);
    this.store = store;
    for (Chain chain : chains) {
      for (int i = 0; i < chain.parallelism(); i++) {
        slots.add(new Slot(chain, i));
      }
    }
    this.job = new StreamingJob(plan.getName(), this);
    this.thread = new Thread(this, "colony-stream-coordinator-" + plan.getName());
    thread.setDaemon(true);
  }

  /** Starts {@code plan} from scratch; after {@code maxRestarts} restarts a failure ends it. */
  public static StreamingJob start(JobPlan plan, int maxRestarts) {
    return launch(plan, storeFor(plan), maxRestarts);
  }

  /** Starts {@code plan} from the last checkpoint in its checkpoint folder (FOLDER storage). */
  public static StreamingJob resume(JobPlan plan, int maxRestarts) {
    if (plan.getCheckpoint().getStorage() != CheckpointConfig.Storage.FOLDER) {
      throw new IllegalArgumentException(
          "resume() needs checkpoints in a folder (checkpointFolder): object-store checkpoints"
              + " end with their driver");
    }
    return launch(plan, storeFor(plan), maxRestarts);
  }

  /** Starts {@code plan} again with the checkpoints of a stopped job. */
  public static StreamingJob resume(JobPlan plan, JobCoordinator stopped) {
    return launch(plan, stopped.store, stopped.maxRestarts);
  }

  private static StreamingJob launch(JobPlan plan, CheckpointStore store, int maxRestarts) {
    if (!Colony.isInitialized()) {
      throw new IllegalStateException("call Colony.init() before executing a streaming job");
    }
    JobCoordinator coordinator = new JobCoordinator(plan, store, maxRestarts);
    coordinator.thread.start();
    return coordinator.job;
  }

  private static CheckpointStore storeFor(JobPlan plan) {
    CheckpointConfig cp = plan.getCheckpoint();
    if (cp.getStorage() == CheckpointConfig.Storage.FOLDER) {
      return new FolderCheckpoints(cp.getFolder(), plan.getName(), PlanJson.toJson(plan));
    }
    return new ObjectStoreCheckpoints();
  }

  public JobPlan plan() {
    return plan;
  }

  /**
   * Asks the job to stop; its last complete checkpoint stays for a resume. With {@code
   * checkpoint}, one more checkpoint completes first, so a resume continues where it stopped.
   */
  public void requestStop(boolean checkpoint) {
    stopWithCheckpoint = checkpoint;
    stopRequested = true;
  }

  /** True once a stop may kill the operators: at once, or once its checkpoint is complete. */
  private boolean stopReady() {
    if (!stopWithCheckpoint) {
      return true;
    }
    if (stopCheckpoint < 0) {
      if (inFlight < 0) {
        trigger(false);
      }
      stopCheckpoint = inFlight; // this one, or the one in flight already
    }
    return job.lastCheckpoint() >= stopCheckpoint;
  }

  // ------------------------------------------------------------------ the coordinator's thread

  @Override
  public void run() {
    try {
      launchInstances(store.latest());
    } catch (Exception e) {
      killAll();
      job.finish(JobStatus.FAILED, "could not start the job: " + describe(e));
      return;
    }
    while (true) {
      if (stopRequested && stopReady()) {
        killAll();
        job.finish(JobStatus.STOPPED, null);
        return;
      }
      String failure;
      try {
        failure = round();
      } catch (Exception e) {
        failure = describe(e);
      }
      if (failure != null && stopRequested) {
        killAll(); // no restart for a job being stopped: its last checkpoint stays
        job.finish(JobStatus.STOPPED, null);
        return;
      }
      if (failure == null && finalCompleted && job.allFinished()) {
        closeAll();
        job.finish(JobStatus.FINISHED, null);
        return;
      }
      if (failure != null) {
        if (attempt >= maxRestarts) {
          killAll();
          job.finish(JobStatus.FAILED, "gave up after " + attempt + " restarts: " + failure);
          return;
        }
        try {
          restart(failure);
        } catch (Exception e) {
          killAll();
          job.finish(JobStatus.FAILED, "could not restart the job: " + describe(e));
          return;
        }
        continue;
      }
      sleep(POLL_MS);
    }
  }

  private void launchInstances(Optional<CheckpointStore.Checkpoint> restore) {
    job.setStatus(JobStatus.STARTING);
    for (Slot slot : slots) {
      slot.handle =
          slot.python()
              ? Colony.actor(PyActorClass.of(PY_MODULE, "OperatorActor")).remote()
              : Colony.actor(OperatorActor::new).remote();
      slot.last.clear();
    }
    List<ObjectRef<?>> opened = new ArrayList<>();
    for (Slot slot : slots) {
      opened.add(call(slot, "open", config(slot, restore)));
    }
    for (ObjectRef<?> ref : opened) {
      Colony.get(ref, CALL_TIMEOUT_MS);
    }
    List<ObjectRef<?>> started = new ArrayList<>();
    for (Slot slot : slots) {
      started.add(call(slot, "start"));
    }
    for (ObjectRef<?> ref : started) {
      Colony.get(ref, CALL_TIMEOUT_MS);
    }
    if (restore.isPresent()) {
      nextCheckpoint = Math.max(nextCheckpoint, restore.get().id() + 1);
    }
    lastTriggerNanos = System.nanoTime();
    lastPollNanos = System.nanoTime();
    job.setStatus(JobStatus.RUNNING);
  }

  /** The {@code open} config of docs/streaming.md for one instance. */
  private Map<String, Object> config(Slot slot, Optional<CheckpointStore.Checkpoint> restore) {
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("job", plan.getName());
    config.put("plan", planJson);
    config.put("operators", new ArrayList<>(slot.chain.operatorIds()));
    config.put("instance", (long) slot.index);
    config.put("attempt", (long) attempt);
    List<Object> inputs = new ArrayList<>();
    for (int e : Chains.inputEdges(plan, slot.chain.head().getId())) {
      Edge edge = plan.getEdges(e);
      Chain up = chainOfTail(edge.getUpstream());
      for (int u = 0; u < up.parallelism(); u++) {
        if (edge.getPartitioning() == Partitioning.FORWARD && u != slot.index) {
          continue;
        }
        Map<String, Object> input = new LinkedHashMap<>();
        input.put("channel", Chains.channelId(e, u, slot.index));
        input.put("edge", (long) e);
        input.put("upstream", slotOf(up, u).handle);
        inputs.add(input);
      }
    }
    config.put("inputs", inputs);
    List<Object> outputs = new ArrayList<>();
    for (int e : Chains.outputEdges(plan, slot.chain.tail().getId())) {
      Edge edge = plan.getEdges(e);
      Chain down = chainOfHead(edge.getDownstream());
      List<Object> targets = new ArrayList<>();
      for (int d = 0; d < down.parallelism(); d++) {
        if (edge.getPartitioning() == Partitioning.FORWARD && d != slot.index) {
          continue;
        }
        Map<String, Object> target = new LinkedHashMap<>();
        target.put("channel", Chains.channelId(e, slot.index, d));
        target.put("handle", slotOf(down, d).handle);
        targets.add(target);
      }
      Map<String, Object> output = new LinkedHashMap<>();
      output.put("edge", (long) e);
      output.put("partitioning", edge.getPartitioning().name());
      boolean bothPython = slot.python() && down.language() == Language.PYTHON;
      output.put("encoding", bothPython ? "PICKLE" : "XLANG");
      output.put("targets", targets);
      outputs.add(output);
    }
    config.put("outputs", outputs);
    Object restored = null;
    if (restore.isPresent()) {
      byte[] state = restore.get().states().get(slot.key());
      if (state == null) {
        throw new IllegalStateException(
            "checkpoint " + restore.get().id() + " has no state for instance " + slot.key());
      }
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("checkpoint", restore.get().id());
      r.put("state", state);
      restored = r;
    }
    config.put("restore", restored);
    return config;
  }

  private Chain chainOfTail(String operatorId) {
    for (Chain chain : chains) {
      if (chain.tail().getId().equals(operatorId)) {
        return chain;
      }
    }
    throw new IllegalStateException("no chain ends with " + operatorId);
  }

  private Chain chainOfHead(String operatorId) {
    for (Chain chain : chains) {
      if (chain.head().getId().equals(operatorId)) {
        return chain;
      }
    }
    throw new IllegalStateException("no chain starts with " + operatorId);
  }

  private Slot slotOf(Chain chain, int index) {
    for (Slot slot : slots) {
      if (slot.chain == chain && slot.index == index) {
        return slot;
      }
    }
    throw new IllegalStateException("no instance " + index + " of chain " + chain.name());
  }

  /** One poll of every instance, and what follows from it; a failure's description, or null. */
  @SuppressWarnings("unchecked")
  private String round() throws Exception {
    List<ObjectRef<?>> refs = new ArrayList<>();
    for (Slot slot : slots) {
      refs.add(call(slot, "poll"));
    }
    long now = System.nanoTime();
    double seconds = Math.max(1e-3, (now - lastPollNanos) / 1e9);
    lastPollNanos = now;
    boolean allSourcesExhausted = true;
    boolean allFinished = true;
    Map<String, long[]> sums = new LinkedHashMap<>(); // operator id -> in, out, d-in, d-out, backlog
    for (int i = 0; i < slots.size(); i++) {
      Slot slot = slots.get(i);
      Map<String, Object> reply;
      try {
        reply = (Map<String, Object>) Colony.get(refs.get(i), CALL_TIMEOUT_MS);
      } catch (RuntimeException e) {
        return "instance " + slot.key() + " (" + slot.chain.name() + ") is unreachable: " + e;
      }
      if (reply.get("error") != null) {
        return String.valueOf(reply.get("error"));
      }
      for (Object a : (List<Object>) reply.get("acks")) {
        Map<String, Object> ack = (Map<String, Object>) a;
        long id = ((Number) ack.get("checkpoint")).longValue();
        if (id == inFlight) {
          acks.put(slot.key(), (byte[]) ack.get("state"));
        }
      }
      if (slot.chain.isSource() && !Boolean.TRUE.equals(reply.get("exhausted"))) {
        allSourcesExhausted = false;
      }
      // Done once it finished and its sinks committed the final checkpoint's output.
      allFinished &=
          Boolean.TRUE.equals(reply.get("finished"))
              && finalId >= 0
              && reply.get("committed") instanceof Number
              && ((Number) reply.get("committed")).longValue() >= finalId;
      addMetrics(slot, (Map<String, Object>) reply.get("metrics"), sums);
    }
    List<OperatorMetrics> metrics = new ArrayList<>();
    for (io.colony.streaming.proto.StreamingPlan.Operator op : plan.getOperatorsList()) {
      long[] s = sums.getOrDefault(op.getId(), new long[5]);
      metrics.add(
          new OperatorMetrics(
              op.getId(), op.getName(), op.getParallelism(), s[0], s[1], s[2] / seconds, s[3] / seconds, s[4]));
    }
    job.update(metrics, allFinished);
    if (inFlight >= 0 && acks.size() == slots.size()) {
      completeCheckpoint();
    }
    if (inFlight >= 0
        && now - inFlightStartNanos > plan.getCheckpoint().getTimeoutMs() * 1_000_000L
        && plan.getCheckpoint().getTimeoutMs() > 0) {
      return "checkpoint " + inFlight + " did not complete in " + plan.getCheckpoint().getTimeoutMs() + " ms";
    }
    if (stopRequested) {
      return null; // a stopping job starts no other checkpoint
    }
    if (inFlight < 0 && !finalTriggered && allSourcesExhausted) {
      trigger(true);
    } else if (inFlight < 0
        && !finalTriggered
        && plan.getCheckpoint().getIntervalMs() > 0
        && now - lastTriggerNanos >= plan.getCheckpoint().getIntervalMs() * 1_000_000L) {
      trigger(false);
    }
    return null;
  }

  /**
   * Adds one instance's figures per operator: {@code metrics.operators} when the instance reports
   * it, else the chain's totals under its first operator (docs/streaming.md, poll's reply).
   */
  @SuppressWarnings("unchecked")
  private static void addMetrics(Slot slot, Map<String, Object> m, Map<String, long[]> sums) {
    Map<String, Object> perOperator = (Map<String, Object>) m.get("operators");
    List<String> ids = slot.chain.operatorIds();
    for (int i = 0; i < ids.size(); i++) {
      String id = ids.get(i);
      long in;
      long out;
      if (perOperator != null && perOperator.get(id) instanceof Map) {
        Map<String, Object> op = (Map<String, Object>) perOperator.get(id);
        in = ((Number) op.get("records_in")).longValue();
        out = ((Number) op.get("records_out")).longValue();
      } else if (i == 0) {
        in = ((Number) m.get("records_in")).longValue();
        out = ((Number) m.get("records_out")).longValue();
      } else {
        continue;
      }
      long[] last = slot.last.computeIfAbsent(id, k -> new long[2]);
      long[] sum = sums.computeIfAbsent(id, k -> new long[5]);
      sum[0] += in;
      sum[1] += out;
      sum[2] += Math.max(0, in - last[0]);
      sum[3] += Math.max(0, out - last[1]);
      if (i == 0) {
        sum[4] += ((Number) m.get("backlog")).longValue();
      }
      last[0] = in;
      last[1] = out;
    }
  }

  private void trigger(boolean isFinal) {
    inFlight = nextCheckpoint++;
    inFlightFinal = isFinal;
    inFlightStartNanos = System.nanoTime();
    lastTriggerNanos = inFlightStartNanos;
    acks.clear();
    finalTriggered |= isFinal;
    for (Slot slot : slots) {
      if (slot.chain.isSource()) {
        call(slot, "checkpoint", inFlight, isFinal);
      }
    }
  }

  /** Every instance acked: save, then tell every instance to commit (sinks make output visible). */
  private void completeCheckpoint() throws Exception {
    long id = inFlight;
    store.save(id, new HashMap<>(acks));
    for (Slot slot : slots) {
      call(slot, "commit", id); // applied on the instance's thread; poll reports "committed"
    }
    if (inFlightFinal) {
      finalId = id; // the job is done once every instance reports it committed
      finalCompleted = true;
    }
    job.checkpointCompleted(id);
    inFlight = -1;
    acks.clear();
  }

  private void restart(String failure) throws Exception {
    job.restarting(failure);
    killAll();
    attempt++;
    inFlight = -1;
    acks.clear();
    finalTriggered = false;
    finalCompleted = false;
    finalId = -1;
    sleep(Math.min(5000, 200L * attempt));
    launchInstances(store.latest());
  }

  private void closeAll() {
    List<ObjectRef<?>> refs = new ArrayList<>();
    for (Slot slot : slots) {
      try {
        refs.add(call(slot, "close"));
      } catch (RuntimeException e) {
        // already gone
      }
    }
    for (ObjectRef<?> ref : refs) {
      try {
        Colony.get(ref, CALL_TIMEOUT_MS);
      } catch (RuntimeException e) {
        // its end is what we want
      }
    }
    killAll();
  }

  private void killAll() {
    for (Slot slot : slots) {
      if (slot.handle != null) {
        try {
          slot.handle.kill(true);
        } catch (RuntimeException e) {
          // dead already
        }
      }
    }
  }

  /** Calls a method of an operator actor by name, Java or Python, without waiting. */
  @SuppressWarnings("unchecked")
  private static ObjectRef<?> call(Slot slot, String method, Object... args) {
    if (slot.python()) {
      return slot.handle.task(PyActorMethod.of(method), args).remote();
    }
    ActorHandle<OperatorActor> h = (ActorHandle<OperatorActor>) slot.handle;
    switch (method) {
      case "open":
        return h.task(OperatorActor::open, args[0]).remote();
      case "start":
        return h.task(OperatorActor::start).remote();
      case "checkpoint":
        return h.task(OperatorActor::checkpoint, args[0], args[1]).remote();
      case "commit":
        return h.task(OperatorActor::commit, args[0]).remote();
      case "poll":
        return h.task(OperatorActor::poll).remote();
      case "close":
        return h.task(OperatorActor::close).remote();
      default:
        throw new IllegalArgumentException("no operator actor method " + method);
    }
  }

  /** Process ids of the JVMs hosting the Java instances of the chain holding {@code operatorId}. */
  public List<Long> javaProcessIds(String operatorId) {
    List<Long> pids = new ArrayList<>();
    for (Slot slot : slots) {
      if (!slot.python() && slot.chain.operatorIds().contains(operatorId)) {
        @SuppressWarnings("unchecked")
        ActorHandle<OperatorActor> h = (ActorHandle<OperatorActor>) slot.handle;
        pids.add(Colony.get(h.task(OperatorActor::processId).remote(), CALL_TIMEOUT_MS));
      }
    }
    return pids;
  }

  private static String describe(Throwable e) {
    return e.getMessage() == null ? e.toString() : e.getClass().getSimpleName() + ": " + e.getMessage();
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
