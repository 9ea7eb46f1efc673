package io.colony.streaming;

import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.serialization.XlangCodec;
import io.colony.streaming.coordinator.JobCoordinator;
import io.colony.streaming.function.GeneratorFunction;
import io.colony.streaming.function.SourceFunction;
import io.colony.streaming.plan.FunctionRefs;
import io.colony.streaming.plan.PlanGraph;
import io.colony.streaming.plan.PlanJson;
import io.colony.streaming.proto.StreamingPlan.ChannelConfig;
import io.colony.streaming.proto.StreamingPlan.CheckpointConfig;
import io.colony.streaming.proto.StreamingPlan.JobPlan;
import io.colony.streaming.proto.StreamingPlan.Operator;
import io.colony.streaming.proto.StreamingPlan.OperatorKind;
import io.colony.streaming.proto.StreamingPlan.SourceSpec;
import java.util.List;

/**
 * Builds a streaming job: sources, then operators on the {@link DataStream}s they return, then
 * {@link #execute()}. The job is a {@link JobPlan} (proto/streaming.proto), the same plan Python's
 * {@code colony.streaming} builds; operators run as actors (docs/streaming.md).
 *
 * <pre>{@code
 * StreamingContext ctx = StreamingContext.builder("wordcount").checkpointIntervalMs(1000).build();
 * ctx.fromSource(Lines.class, 1_000_000L)
 *     .flatMap(Split.class)
 *     .keyBy(WordOf.class)
 *     .reduce(AddCounts.class)
 *     .sink(FileSink.class, "/tmp/out");
 * StreamingJob job = ctx.execute();
 * job.awaitTermination(60_000);
 * }</pre>
 *
 * <p>Functions are named by class: operator actors create them in their own JVMs with the public
 * constructor taking the arguments given here (XLANG values). Python functions join with {@link
 * PyOperator}.
 */
public final class StreamingContext {
  private static final XlangCodec XLANG = new XlangCodec(ReferenceTracker.NONE);

  private final String name;
  private final int defaultParallelism;
  private final int maxRestarts;
  private final ChannelConfig channel;
  private final CheckpointConfig checkpoint;
  private final PlanGraph graph = new PlanGraph();

  private StreamingContext(Builder b) {
    this.name = b.name;
    this.defaultParallelism = b.parallelism;
    this.maxRestarts = b.maxRestarts;
    this.channel =
        ChannelConfig.newBuilder()
            .setBatchSize(b.batchSize)
            .setBatchTimeoutMs(b.batchTimeoutMs)
            .setCredits(b.credits)
            .setMaxBatchBytes(b.maxBatchBytes)
            .build();
    CheckpointConfig.Builder cp =
        CheckpointConfig.newBuilder()
            .setIntervalMs(b.checkpointIntervalMs)
            .setTimeoutMs(b.checkpointTimeoutMs);
    if (b.checkpointFolder != null) {
      cp.setStorage(CheckpointConfig.Storage.FOLDER).setFolder(b.checkpointFolder);
    }
    this.checkpoint = cp.build();
  }

  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** A job's settings; the defaults are those of docs/streaming.md. */
  public static final class Builder {
    private final String name;
    private int parallelism = 1;
    private int batchSize = 256;
    private int batchTimeoutMs = 20;
    private int credits = 8;
    private int maxBatchBytes = 1 << 20;
    private int checkpointIntervalMs = 1000;
    private int checkpointTimeoutMs = 60_000;
    private String checkpointFolder;
    private int maxRestarts = 10;

    private Builder(String name) {
      if (name == null || name.isEmpty()) {
        throw new IllegalArgumentException("a streaming job needs a non-empty name");
      }
      this.name = name;
    }

    /** Instances of each operator unless set per operator (default 1). */
    public Builder parallelism(int n) {
      this.parallelism = positive(n, "parallelism");
      return this;
    }

    /** Records per batch at most (default 256). */
    public Builder batchSize(int n) {
      this.batchSize = positive(n, "batchSize");
      return this;
    }

    /** A partial batch leaves after this long (default 20 ms). */
    public Builder batchTimeoutMs(int ms) {
      this.batchTimeoutMs = positive(ms, "batchTimeoutMs");
      return this;
    }

    /** Batches in flight per channel (default 8): with maxBatchBytes, the memory bound. */
    public Builder credits(int n) {
      this.credits = positive(n, "credits");
      return this;
    }

    /** A batch leaves once its records pass about this size (default 1 MiB). */
    public Builder maxBatchBytes(int bytes) {
      this.maxBatchBytes = positive(bytes, "maxBatchBytes");
      return this;
    }

    /** Periodic checkpoints (default 1000 ms); 0: only the final one. */
    public Builder checkpointIntervalMs(int ms) {
      if (ms < 0) {
        throw new IllegalArgumentException("checkpointIntervalMs must be >= 0, got " + ms);
      }
      this.checkpointIntervalMs = ms;
      return this;
    }

    /** A checkpoint not complete after this long is abandoned (default 60 s). */
    public Builder checkpointTimeoutMs(int ms) {
      this.checkpointTimeoutMs = positive(ms, "checkpointTimeoutMs");
      return this;
    }

    /** Keep snapshots as files in this folder (default: in the object store). */
    public Builder checkpointFolder(String folder) {
      if (folder == null || folder.isEmpty()) {
        throw new IllegalArgumentException("checkpointFolder must be a non-empty path");
      }
      this.checkpointFolder = folder;
      return this;
    }

    /**
     * Restarts from the last checkpoint after a failure (an operator raised, or its worker died)
     * before the job ends as FAILED (default 10).
     */
    public Builder maxRestarts(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxRestarts must be >= 0, got " + n);
      }
      this.maxRestarts = n;
      return this;
    }

    public StreamingContext build() {
      return new StreamingContext(this);
    }

    private static int positive(int n, String what) {
      if (n < 1) {
        throw new IllegalArgumentException(what + " must be at least 1, got " + n);
      }
      return n;
    }
  }

  // ------------------------------------------------------------------ sources

  /** The elements (XLANG values), dealt round robin to the source's instances. */
  public <T> DataStream<T> fromCollection(List<T> elements) {
    byte[] encoded;
    try {
      encoded = XLANG.encode(elements, null);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "fromCollection() takes XLANG values (numbers, strings, bytes, lists, maps): "
              + e.getMessage(),
          e);
    }
    SourceSpec spec =
        SourceSpec.newBuilder()
            .setKind(SourceSpec.Kind.COLLECTION)
            .setElements(com.google.protobuf.ByteString.copyFrom(encoded))
            .build();
    return addSource(Operator.newBuilder().setSource(spec).setName("collection"));
  }

  /** A source with replayable offsets: {@code type} is created in each source instance. */
  public <T> DataStream<T> fromSource(Class<? extends SourceFunction<T>> type, Object... args) {
    SourceSpec spec = SourceSpec.newBuilder().setKind(SourceSpec.Kind.FUNCTION).build();
    return addSource(
        Operator.newBuilder()
            .setSource(spec)
            .setName(type.getSimpleName())
            .setFunction(FunctionRefs.java(type, SourceFunction.class, args)));
  }

  /** A deterministic generator of each instance's records (offset: records taken). */
  public <T> DataStream<T> fromGenerator(
      Class<? extends GeneratorFunction<T>> type, Object... args) {
    SourceSpec spec = SourceSpec.newBuilder().setKind(SourceSpec.Kind.GENERATOR).build();
    return addSource(
        Operator.newBuilder()
            .setSource(spec)
            .setName(type.getSimpleName())
            .setFunction(FunctionRefs.java(type, GeneratorFunction.class, args)));
  }

  private <T> DataStream<T> addSource(Operator.Builder op) {
    op.setKind(OperatorKind.SOURCE)
        .setLanguage(io.colony.runtime.generated.Common.Language.JAVA)
        .setParallelism(defaultParallelism);
    return new DataStream<>(this, graph.add(op, List.of()));
  }

  // ------------------------------------------------------------------ plan and execution

  PlanGraph graph() {
    return graph;
  }

  int defaultParallelism() {
    return defaultParallelism;
  }

  public String getName() {
    return name;
  }

  /** The job's plan as built so far (validated). */
  public JobPlan plan() {
    return graph.toPlan(name, channel, checkpoint);
  }

  /** The plan in its wire form, proto3 JSON. */
  public String planJson() {
    return PlanJson.toJson(plan());
  }

  /**
   * Starts the job on the cluster ({@code Colony.init()} first): creates the operator actors and
   * returns at once; the job runs until its sources are exhausted, or until stopped.
   */
  public StreamingJob execute() {
    return JobCoordinator.start(plan(), maxRestarts);
  }

  /**
   * Starts the job from the last checkpoint in its {@code checkpointFolder} (written by an earlier
   * run of the same job name, stopped or crashed, also by another driver).
   */
  public StreamingJob resume() {
    return JobCoordinator.resume(plan(), maxRestarts);
  }
}
