package io.colony.streaming.runtime;

import io.colony.api.ActorHandle;
import io.colony.api.runtime.ColonyRuntime;
import io.colony.api.runtime.RuntimeHolder;
import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.serialization.ObjectSerializer;
import io.colony.streaming.plan.PlanJson;
import io.colony.streaming.proto.StreamingPlan.ChannelConfig;
import io.colony.streaming.proto.StreamingPlan.JobPlan;
import io.colony.streaming.proto.StreamingPlan.Operator;
import io.colony.streaming.proto.StreamingPlan.OperatorKind;
import io.colony.streaming.proto.StreamingPlan.Partitioning;
import io.colony.streaming.runtime.ops.Emitter;
import io.colony.streaming.runtime.ops.FlatMapLogic;
import io.colony.streaming.runtime.ops.OperatorLogic;
import io.colony.streaming.runtime.ops.RecordContext;
import io.colony.streaming.runtime.source.SourceReader;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One instance of a chain: its channels and operators, and the thread that runs them
 * (docs/streaming.md, "Actors"). The actor's methods only hand messages to it under {@link #lock};
 * the thread reads inputs (or the source), runs the operators, fills and sends batches within the
 * channels' credits, aligns barriers and snapshots state.
 */
final class Instance implements Runnable {
  private final Object lock = new Object();
  private final ColonyRuntime runtime; // null in unit tests (no cluster)
  private final PeerCalls peers;
  private final ClassLoader loader;
  private final ObjectSerializer serializer;
  private final RecordCodec records;
  private final String label;
  private final int index;
  private final int parallelism;
  private final ChannelConfig channel;
  private final SourceReader source;
  private final List<OperatorLogic> logics = new ArrayList<>();
  private final Emitter head;
  private final List<InputChannel> inputs = new ArrayList<>();
  private final Map<String, InputChannel> inputsById = new HashMap<>();
  private final List<Output> outputs = new ArrayList<>();
  private final List<OutputChannel> outChannels = new ArrayList<>();
  private final Map<String, OutputChannel> outputsById = new HashMap<>();
  private final Thread thread;
  private final RecordContext context = new RecordContext();
  private final List<Emitter> downstreams = new ArrayList<>(); // what follows logics.get(i)
  private final List<String> operatorIds = new ArrayList<>();
  // Records into and out of each operator of the chain (the thread's; published with the rest).
  private final long[] opIn;
  private final long[] opOut;

  // Guarded by lock: what the actor's methods hand over, and what poll reads.
  private final ArrayDeque<long[]> checkpointRequests = new ArrayDeque<>();
  private final ArrayDeque<Long> commitRequests = new ArrayDeque<>();
  private final List<Map<String, Object>> acks = new ArrayList<>();
  private boolean started;
  private boolean closed;
  private boolean signalled;
  private boolean finished;
  private boolean exhausted;
  private String error;
  private long recordsIn;
  private long recordsOut;
  private long publishedLateDropped;
  private long[] publishedOpIn;
  private long[] publishedOpOut;
  private Long watermark;
  private long committed = -1; // newest checkpoint id whose commit() ran

  // The thread's own.
  private Long inputWatermark; // the minimum over the input channels' watermarks
  private Long outputWatermark; // the last watermark sent on
  private Long aligning; // checkpoint whose barriers are being aligned
  private boolean alignFinal;
  private int nextInput;

  Instance(Map<String, Object> config) throws Exception {
    this(config, Peers.COLONY);
  }

  /** {@code peers}: how messages and credits reach other instances (a fake in unit tests). */
  @SuppressWarnings("unchecked")
  Instance(Map<String, Object> config, PeerCalls peers) throws Exception {
    this.peers = peers;
    this.runtime = RuntimeHolder.isInstalled() ? RuntimeHolder.get() : null;
    ClassLoader context = Thread.currentThread().getContextClassLoader();
    this.loader = context != null ? context : Instance.class.getClassLoader();
    this.serializer = new ObjectSerializer(loader, ReferenceTracker.NONE);
    this.records = new RecordCodec(loader);
    JobPlan plan = PlanJson.fromJson(required(config, "plan", String.class));
    this.index = (int) Messages.number(config.get("instance"), "instance");
    this.channel = withDefaults(plan.getChannel());
    List<Operator> chain = new ArrayList<>();
    for (Object id : required(config, "operators", List.class)) {
      chain.add(operator(plan, String.valueOf(id)));
    }
    if (chain.isEmpty()) {
      throw new IllegalArgumentException("open: the config names no operators");
    }
    this.parallelism = chain.get(0).getParallelism();
    this.label = config.get("job") + "/" + chain.get(0).getId() + "#" + index;
    boolean isSource = chain.get(0).getKind() == OperatorKind.SOURCE;
    this.source = isSource ? ChainFactory.source(chain.get(0), loader) : null;
    for (Operator op : chain.subList(isSource ? 1 : 0, chain.size())) {
      logics.add(ChainFactory.operator(op, loader, index, parallelism, this.context));
    }
    for (Operator op : chain) {
      operatorIds.add(op.getId());
    }
    this.opIn = new long[chain.size()];
    this.opOut = new long[chain.size()];
    this.publishedOpIn = new long[chain.size()];
    this.publishedOpOut = new long[chain.size()];
    this.head = chainEmitters(isSource ? 1 : 0);
    for (Object item : required(config, "inputs", List.class)) {
      Map<String, Object> input = (Map<String, Object>) item;
      InputChannel in =
          new InputChannel(
              required(input, "channel", String.class), required(input, "upstream", ActorHandle.class));
      inputs.add(in);
      inputsById.put(in.id, in);
    }
    for (Object item : required(config, "outputs", List.class)) {
      Map<String, Object> output = (Map<String, Object>) item;
      List<OutputChannel> channels = new ArrayList<>();
      for (Object t : required(output, "targets", List.class)) {
        Map<String, Object> target = (Map<String, Object>) t;
        OutputChannel out =
            new OutputChannel(
                required(target, "channel", String.class),
                required(target, "handle", ActorHandle.class),
                channel.getCredits());
        channels.add(out);
        outChannels.add(out);
        outputsById.put(out.id, out);
      }
      Partitioning partitioning =
          Partitioning.valueOf(required(output, "partitioning", String.class));
      outputs.add(new Output(partitioning, channels));
    }
    restore((Map<String, Object>) config.get("restore"));
    this.thread = new Thread(this, "colony-stream-" + label);
    thread.setDaemon(true);
    thread.start();
  }

  private static ChannelConfig withDefaults(ChannelConfig c) {
    ChannelConfig.Builder b = c.toBuilder();
    if (c.getBatchSize() == 0) {
      b.setBatchSize(256);
    }
    if (c.getBatchTimeoutMs() == 0) {
      b.setBatchTimeoutMs(20);
    }
    if (c.getCredits() == 0) {
      b.setCredits(8);
    }
    if (c.getMaxBatchBytes() == 0) {
      b.setMaxBatchBytes(1 << 20);
    }
    return b.build();
  }

  private static Operator operator(JobPlan plan, String id) {
    for (Operator op : plan.getOperatorsList()) {
      if (op.getId().equals(id)) {
        return op;
      }
    }
    throw new IllegalArgumentException("open: the plan has no operator " + id);
  }

  private static <T> T required(Map<String, Object> map, String key, Class<T> type) {
    Object value = map.get(key);
    if (!type.isInstance(value)) {
      throw new IllegalArgumentException(
          "open: '" + key + "' must be a " + type.getSimpleName() + ", got " + value);
    }
    return type.cast(value);
  }

  /**
   * Records enter the first operator; the last one's output goes to the channels. Each operator's
   * records in and out are counted ({@code first}: the index of the first non-source operator).
   */
  private Emitter chainEmitters(int first) {
    Emitter next = this::emitToOutputs;
    for (int i = logics.size() - 1; i >= 0; i--) {
      OperatorLogic logic = logics.get(i);
      int k = first + i;
      Emitter downstream = next;
      Emitter counted =
          record -> {
            opOut[k]++;
            downstream.emit(record);
          };
      downstreams.add(0, counted);
      next =
          record -> {
            opIn[k]++;
            logic.process(record, counted);
          };
    }
    return next;
  }

  @SuppressWarnings("unchecked")
  private void restore(Map<String, Object> restore) throws Exception {
    Object offset = null;
    if (restore != null) {
      long checkpoint = Messages.number(restore.get("checkpoint"), "restore.checkpoint");
      Map<String, Object> state =
          (Map<String, Object>) serializer.deserialize(ObjectSerializer.JAVA, (byte[]) restore.get("state"));
      offset = state.get("offset");
      List<Object> states = (List<Object>) state.get("ops");
      for (int i = 0; i < logics.size(); i++) {
        logics.get(i).restore(states.get(i), checkpoint);
      }
    }
    if (source != null) {
      source.open(index, parallelism, offset);
    }
  }

  // ------------------------------------------------------------------ the actor's side

  void start() {
    synchronized (lock) {
      started = true;
      signal();
    }
  }

  void push(String channelId, Map<String, Object> message) {
    synchronized (lock) {
      InputChannel in = inputsById.get(channelId);
      if (in == null) {
        throw new IllegalArgumentException(label + " has no input channel " + channelId);
      }
      in.queue.add(message);
      signal();
    }
  }

  void credit(String channelId, long n) {
    synchronized (lock) {
      OutputChannel out = outputsById.get(channelId);
      if (out == null) {
        throw new IllegalArgumentException(label + " has no output channel " + channelId);
      }
      out.credits += (int) n;
      signal();
    }
  }

  void checkpoint(long id, boolean isFinal) {
    if (source == null) {
      throw new IllegalArgumentException(label + " is not a source: checkpoints start at sources");
    }
    synchronized (lock) {
      checkpointRequests.add(new long[] {id, isFinal ? 1 : 0});
      signal();
    }
  }

  void commit(long id) {
    synchronized (lock) {
      commitRequests.add(id);
      signal();
    }
  }

  Map<String, Object> poll() {
    Map<String, Object> reply = new LinkedHashMap<>();
    Map<String, Object> metrics = new LinkedHashMap<>();
    synchronized (lock) {
      reply.put("acks", new ArrayList<>(acks));
      acks.clear();
      reply.put("finished", finished);
      reply.put("exhausted", exhausted);
      reply.put("committed", committed);
      reply.put("error", error);
      reply.put("pid", ProcessHandle.current().pid());
      long backlog = 0;
      for (InputChannel in : inputs) {
        backlog += in.queue.size();
      }
      metrics.put("records_in", recordsIn);
      metrics.put("records_out", recordsOut);
      metrics.put("backlog", backlog);
      metrics.put("late_dropped", publishedLateDropped);
      metrics.put("watermark", watermark);
      Map<String, Object> operators = new LinkedHashMap<>();
      for (int i = 0; i < operatorIds.size(); i++) {
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("records_in", publishedOpIn[i]);
        op.put("records_out", publishedOpOut[i]);
        operators.put(operatorIds.get(i), op);
      }
      metrics.put("operators", operators);
    }
    reply.put("metrics", metrics);
    return reply;
  }

  void close() {
    synchronized (lock) {
      closed = true;
      signal();
    }
    try {
      thread.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void signal() {
    signalled = true;
    lock.notifyAll();
  }

  // ------------------------------------------------------------------ the instance's thread

  @Override
  public void run() {
    if (runtime != null) {
      RuntimeHolder.setForThread(runtime); // calls to other actors go through this worker
    }
    Thread.currentThread().setContextClassLoader(loader);
    try {
      synchronized (lock) {
        while (!started && !closed) {
          lock.wait();
        }
      }
      while (!isClosed()) {
        if (!step()) {
          idle();
        }
      }
      // A commit handed over just before close() still runs: the coordinator closes a finished
      // job right after its final commit() calls return, which only queue the commit.
      runControls();
    } catch (Throwable t) {
      StringWriter text = new StringWriter();
      Throwable shown = t instanceof FlatMapLogic.EmitException ? t.getCause() : t;
      shown.printStackTrace(new PrintWriter(text));
      synchronized (lock) {
        error = label + ": " + shown + "\n" + text;
      }
    } finally {
      closeOperators();
    }
  }

  private boolean isClosed() {
    synchronized (lock) {
      return closed;
    }
  }

  private void closeOperators() {
    for (OperatorLogic logic : logics) {
      try {
        logic.close();
      } catch (Exception e) {
        System.err.println(label + ": closing an operator failed: " + e);
      }
    }
    if (source != null) {
      try {
        source.close();
      } catch (Exception e) {
        System.err.println(label + ": closing the source failed: " + e);
      }
    }
  }

  /** One round of work; false if there was none. */
  private boolean step() throws Exception {
    boolean worked = runControls();
    drainWaiting();
    boolean done;
    synchronized (lock) {
      done = finished;
    }
    if (!done && !outputsBlocked()) {
      worked |= source != null ? readSource() : takeInput();
    }
    worked |= flushTimedOut();
    return worked;
  }

  private void idle() throws InterruptedException {
    returnCredits(0);
    synchronized (lock) {
      if (!signalled && !closed) {
        lock.wait(Math.max(1, channel.getBatchTimeoutMs() / 2));
      }
      signalled = false;
    }
  }

  private boolean runControls() throws Exception {
    List<Long> commits = new ArrayList<>();
    List<long[]> checkpoints = new ArrayList<>();
    synchronized (lock) {
      commits.addAll(commitRequests);
      commitRequests.clear();
      checkpoints.addAll(checkpointRequests);
      checkpointRequests.clear();
    }
    for (long id : commits) {
      for (OperatorLogic logic : logics) {
        logic.commit(id);
      }
      synchronized (lock) {
        committed = Math.max(committed, id);
      }
    }
    for (long[] request : checkpoints) {
      sourceCheckpoint(request[0], request[1] != 0);
    }
    return !commits.isEmpty() || !checkpoints.isEmpty();
  }

  /** A source between two reads: snapshot, barrier on every channel, ack; final: then eos. */
  private void sourceCheckpoint(long id, boolean isFinal) throws Exception {
    byte[] state = snapshot(id);
    if (isFinal) {
      sendToAll(Messages.watermark(Messages.END_OF_TIME));
    }
    sendToAll(Messages.barrier(id, isFinal));
    ack(id, state);
    if (isFinal) {
      sendToAll(Messages.eos());
      synchronized (lock) {
        finished = true;
      }
    }
  }

  private boolean readSource() throws Exception {
    synchronized (lock) {
      if (exhausted) {
        return false;
      }
    }
    List<Object> records = source.read(channel.getBatchSize());
    if (records == null) {
      flushAll(); // the tail leaves now, not after the batch timeout
      synchronized (lock) {
        exhausted = true;
      }
      return true;
    }
    opIn[0] += records.size(); // the source's records are what it read and passed on
    opOut[0] += records.size();
    for (Object record : records) {
      context.timestamp = null;
      head.emit(record);
    }
    synchronized (lock) {
      recordsIn += records.size();
    }
    offerGeneratedWatermarks();
    publishRecordsOut();
    return !records.isEmpty();
  }

  private boolean takeInput() throws Exception {
    InputChannel from = null;
    Map<String, Object> message = null;
    int returning = 0;
    synchronized (lock) {
      for (int k = 0; k < inputs.size(); k++) {
        InputChannel in = inputs.get((nextInput + k) % inputs.size());
        if (!in.blocked && !in.queue.isEmpty()) {
          from = in;
          message = in.queue.poll();
          nextInput = (nextInput + k + 1) % inputs.size();
          break;
        }
      }
      if (from == null) {
        return false;
      }
      from.consumed++;
      if (from.consumed >= Math.max(1, channel.getCredits() / 2)) {
        returning = from.consumed;
        from.consumed = 0;
      }
    }
    if (returning > 0) {
      peers.credit(from.upstream, from.id, returning);
    }
    handle(from, message);
    publishRecordsOut();
    return true;
  }

  /** Gives back the credits of messages taken (all of them when idle: the queues ran dry). */
  private void returnCredits(int atLeast) {
    for (InputChannel in : inputs) {
      int n;
      synchronized (lock) {
        n = in.consumed;
        if (n <= atLeast) {
          continue;
        }
        in.consumed = 0;
      }
      peers.credit(in.upstream, in.id, n);
    }
  }

  private void handle(InputChannel from, Map<String, Object> message) throws Exception {
    Object kind = message.get(Messages.KIND);
    if (Messages.BATCH.equals(kind)) {
      if ("PICKLE".equals(message.get("encoding"))) {
        throw new IllegalArgumentException(
            "channel " + from.id + " carries pickled Python records, which Java cannot read");
      }
      Object payload = message.get("records");
      List<?> batch =
          RecordCodec.ENCODING.equals(message.get("encoding"))
              ? records.decode((byte[]) payload)
              : (List<?>) payload;
      List<?> stamps = (List<?>) message.get("timestamps");
      synchronized (lock) {
        recordsIn += batch.size();
      }
      for (int i = 0; i < batch.size(); i++) {
        context.timestamp = stamps == null ? null : ((Number) stamps.get(i)).longValue();
        head.emit(batch.get(i));
      }
      offerGeneratedWatermarks();
    } else if (Messages.WATERMARK.equals(kind)) {
      from.watermark = Messages.number(message.get("timestamp"), "watermark");
      advanceWatermark();
    } else if (Messages.BARRIER.equals(kind)) {
      long id = Messages.number(message.get("checkpoint"), "barrier checkpoint");
      if (aligning != null && aligning != id) {
        throw new IllegalStateException(
            label + " got barrier " + id + " while aligning checkpoint " + aligning);
      }
      synchronized (lock) {
        from.blocked = true;
      }
      aligning = id;
      alignFinal = Boolean.TRUE.equals(message.get("final"));
      maybeCompleteAlignment();
    } else if (Messages.EOS.equals(kind)) {
      boolean allEnded = true;
      synchronized (lock) {
        from.ended = true;
        for (InputChannel in : inputs) {
          allEnded &= in.ended;
        }
      }
      advanceWatermark();
      maybeCompleteAlignment();
      if (allEnded) {
        sendToAll(Messages.eos());
        synchronized (lock) {
          finished = true;
        }
      }
    } else {
      throw new IllegalArgumentException("channel " + from.id + " carried an unknown message " + kind);
    }
  }

  /** Once every input that has not ended delivered the barrier: snapshot, forward, ack, resume. */
  private void maybeCompleteAlignment() throws Exception {
    if (aligning == null) {
      return;
    }
    synchronized (lock) {
      for (InputChannel in : inputs) {
        if (!in.ended && !in.blocked) {
          return;
        }
      }
    }
    long id = aligning;
    byte[] state = snapshot(id);
    sendToAll(Messages.barrier(id, alignFinal));
    ack(id, state);
    aligning = null;
    synchronized (lock) {
      for (InputChannel in : inputs) {
        in.blocked = false;
      }
    }
  }

  /**
   * The input watermark: the minimum over open inputs, once each has one. When it rises it goes
   * through the chain (windows fire) and on to the outputs, unless an operator swallows it.
   */
  private void advanceWatermark() throws Exception {
    Long min = null;
    for (InputChannel in : inputs) {
      if (in.ended) {
        continue;
      }
      if (in.watermark == null) {
        return;
      }
      min = min == null ? in.watermark : Math.min(min, in.watermark);
    }
    if (min == null || (inputWatermark != null && min <= inputWatermark)) {
      return;
    }
    inputWatermark = min;
    synchronized (lock) {
      watermark = min;
    }
    passWatermark(min, 0);
  }

  /** Watermarks TIMESTAMPS operators made from the records just processed. */
  private void offerGeneratedWatermarks() throws Exception {
    for (int i = 0; i < logics.size(); i++) {
      Long generated = logics.get(i).takeWatermark();
      if (generated != null) {
        passWatermark(generated, i + 1);
      }
    }
  }

  /** Hands a watermark to the chain's operators from {@code first} on, then to the outputs. */
  private void passWatermark(long wm, int first) throws Exception {
    Long passing = wm;
    for (int i = first; i < logics.size() && passing != null; i++) {
      passing = logics.get(i).onWatermark(passing, downstreams.get(i));
    }
    if (passing != null && (outputWatermark == null || passing > outputWatermark)) {
      outputWatermark = passing;
      sendToAll(Messages.watermark(passing));
    }
  }

  private byte[] snapshot(long checkpointId) throws Exception {
    List<Object> states = new ArrayList<>();
    for (OperatorLogic logic : logics) {
      states.add(logic.snapshot(checkpointId));
    }
    Map<String, Object> state = new HashMap<>();
    state.put("offset", source == null ? null : source.offset());
    state.put("ops", states);
    return serializer.serialize(state, "the state of " + label).data();
  }

  private void ack(long id, byte[] state) {
    Map<String, Object> ack = new LinkedHashMap<>();
    ack.put("checkpoint", id);
    ack.put("state", state);
    synchronized (lock) {
      acks.add(ack);
    }
  }

  // ------------------------------------------------------------------ outputs

  private void emitToOutputs(Object record) {
    for (Output output : outputs) {
      OutputChannel target = output.channelFor(record);
      if (target != null) {
        append(output, target, record);
      } else {
        for (OutputChannel each : output.channels) {
          append(output, each, record);
        }
      }
    }
    recordsOutUnlocked++;
  }

  // Counted without the lock on the hot path, published after each input message or read.
  private long recordsOutUnlocked;

  private void publishRecordsOut() {
    synchronized (lock) {
      recordsOut = recordsOutUnlocked;
      publishedOpIn = opIn.clone();
      long late = 0;
      for (OperatorLogic logic : logics) {
        late += logic.lateDropped();
      }
      publishedLateDropped = late;
      publishedOpOut = opOut.clone();
    }
  }

  private void append(Output output, OutputChannel out, Object record) {
    if (out.batch.isEmpty()) {
      out.batchStartNanos = System.nanoTime();
      out.timestamps = context.timestamp != null ? new ArrayList<>() : null;
    }
    out.batch.add(record);
    if (out.timestamps != null) {
      out.timestamps.add(context.timestamp != null ? context.timestamp : 0L);
    }
    if ((out.batch.size() & 7) == 1) { // sampled: one record in 8 stands for the next 8
      out.batchBytes += 8 * estimateBytes(record);
    }
    if (out.batch.size() >= channel.getBatchSize() || out.batchBytes >= channel.getMaxBatchBytes()) {
      sendBatch(out);
      output.batchSent(out);
    }
  }

  /** A rough size, for max_batch_bytes: the payload of strings and bytes, else a small constant. */
  private static long estimateBytes(Object record) {
    if (record instanceof String) {
      return ((String) record).length() + 8;
    }
    if (record instanceof byte[]) {
      return ((byte[]) record).length + 8;
    }
    if (record instanceof List) {
      long n = 8;
      for (Object item : (List<?>) record) {
        n += estimateBytes(item);
      }
      return n;
    }
    return 16;
  }

  private void sendBatch(OutputChannel out) {
    List<Object> batch = out.batch;
    List<Long> stamps = out.timestamps;
    out.batch = new ArrayList<>(batch.size());
    out.timestamps = null;
    out.batchBytes = 0;
    if (out.toJava) {
      send(out, Messages.batch(records.encode(batch), RecordCodec.ENCODING, stamps));
    } else {
      send(out, Messages.batch(batch, "XLANG", stamps));
    }
  }

  /** Sends within the channel's credits; without one the message waits (in order). */
  private void send(OutputChannel out, Map<String, Object> message) {
    boolean now;
    synchronized (lock) {
      now = out.waiting.isEmpty() && out.credits > 0;
      if (now) {
        out.credits--;
      } else {
        out.waiting.add(message);
      }
    }
    if (now) {
      peers.push(out.target, out.id, message);
    }
  }

  private void drainWaiting() {
    for (OutputChannel out : outChannels) {
      while (true) {
        Map<String, Object> message;
        synchronized (lock) {
          if (out.waiting.isEmpty() || out.credits == 0) {
            break;
          }
          out.credits--;
          message = out.waiting.poll();
        }
        peers.push(out.target, out.id, message);
      }
    }
  }

  /** True while a channel has no credit or messages waiting for one: hold back input. */
  private boolean outputsBlocked() {
    synchronized (lock) {
      for (OutputChannel out : outChannels) {
        if (out.credits == 0 || !out.waiting.isEmpty()) {
          return true;
        }
      }
      return false;
    }
  }

  private boolean flushTimedOut() {
    long now = System.nanoTime();
    long timeout = channel.getBatchTimeoutMs() * 1_000_000L;
    boolean sent = false;
    for (Output output : outputs) {
      for (OutputChannel out : output.channels) {
        if (!out.batch.isEmpty() && now - out.batchStartNanos >= timeout) {
          sendBatch(out);
          output.batchSent(out);
          sent = true;
        }
      }
    }
    if (sent) {
      publishRecordsOut();
    }
    return sent;
  }

  private void flushAll() {
    for (Output output : outputs) {
      for (OutputChannel out : output.channels) {
        if (!out.batch.isEmpty()) {
          sendBatch(out);
          output.batchSent(out);
        }
      }
    }
    publishRecordsOut();
  }

  /** Watermarks, barriers and eos: after the batches being filled, on every channel. */
  private void sendToAll(Map<String, Object> message) {
    flushAll();
    for (OutputChannel out : outChannels) {
      send(out, message);
    }
  }
}
