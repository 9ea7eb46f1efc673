package io.colony.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.Gson;
import io.colony.api.Colony;
import io.colony.streaming.fixtures.AddCounts;
import io.colony.streaming.fixtures.EventTimeFunctions;
import io.colony.streaming.fixtures.Failing;
import io.colony.streaming.fixtures.First;
import io.colony.streaming.fixtures.Lines;
import io.colony.streaming.fixtures.NotEmpty;
import io.colony.streaming.fixtures.SlowSink;
import io.colony.streaming.fixtures.Split;
import io.colony.streaming.fixtures.Upper;
import io.colony.streaming.sink.DiscardingSink;
import io.colony.streaming.sink.FileSink;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Java-only streaming jobs on a real local cluster (operator actors in Java workers). */
class StreamingJobTest {
  private static final long DEADLINE_MS = 180_000;
  private static final Gson GSON = new Gson();

  @TempDir Path tmp;

  @BeforeAll
  static void startCluster() {
    Colony.init();
  }

  @AfterAll
  static void stopCluster() {
    Colony.shutdown();
  }

  /** What a failure-free word count's sink holds: [word, k] for k = 1..count(word), sorted. */
  private static List<String> expectedRunningCounts(long lines, int words) {
    Map<String, Long> counts = new TreeMap<>();
    for (long n = 0; n < lines; n++) {
      for (String w : Lines.line(n, words).split(" ")) {
        counts.merge(w, 1L, Long::sum);
      }
    }
    List<String> out = new ArrayList<>();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      for (long k = 1; k <= e.getValue(); k++) {
        out.add(GSON.toJson(List.of(e.getKey(), k)));
      }
    }
    out.sort(null);
    return out;
  }

  private static List<String> sortedOutput(Path folder) throws Exception {
    List<String> lines = FileSink.readLines(folder.toString());
    List<String> normalized = new ArrayList<>();
    for (String line : lines) {
      List<?> pair = GSON.fromJson(line, List.class);
      normalized.add(GSON.toJson(List.of(pair.get(0), ((Number) pair.get(1)).longValue())));
    }
    normalized.sort(null);
    return normalized;
  }

  private static void awaitFinished(StreamingJob job) throws InterruptedException {
    assertTrue(job.awaitTermination(DEADLINE_MS), "the job did not end; status " + job.status());
    assertEquals(JobStatus.FINISHED, job.status(), "failure: " + job.failure());
  }

  @Test
  void wordCountOverACollectionIsExact() throws Exception {
    List<String> lines = new ArrayList<>();
    for (int n = 0; n < 300; n++) {
      lines.add(Lines.line(n, 5));
    }
    Path out = tmp.resolve("out");
    StreamingContext ctx = StreamingContext.builder("wc-collection").batchSize(32).build();
    ctx.fromCollection(lines)
        .flatMap(Split.class)
        .keyBy(First.class)
        .reduce(AddCounts.class)
        .sink(FileSink.class, out.toString());
    StreamingJob job = ctx.execute();
    awaitFinished(job);
    assertEquals(expectedRunningCounts(300, 5), sortedOutput(out));
    assertTrue(job.lastCheckpoint() >= 1);
    // Per operator: 300 lines read, 1500 words out of the split, every word through the sum.
    List<OperatorMetrics> m = job.metrics();
    assertEquals(List.of("0-source", "1-flat-map", "2-key-by", "3-reduce", "4-sink"),
        m.stream().map(OperatorMetrics::operatorId).toList());
    assertEquals(300, m.get(0).recordsOut());
    assertEquals(300, m.get(1).recordsIn());
    assertEquals(1500, m.get(1).recordsOut());
    assertEquals(1500, m.get(3).recordsIn());
    assertEquals(1500, m.get(4).recordsIn());
  }

  @Test
  void parallelJobWithArgumentsFilterAndMapGivesTheSameCounts() throws Exception {
    Path out = tmp.resolve("out");
    StreamingContext ctx =
        StreamingContext.builder("wc-parallel").parallelism(2).batchSize(16).checkpointIntervalMs(100).build();
    ctx.fromSource(Lines.class, 500L, 4, 0L)
        .filter(NotEmpty.class)
        .map(Upper.class, "")
        .map(Lower.class)
        .flatMap(Split.class)
        .keyBy(First.class)
        .reduce(AddCounts.class)
        .sink(FileSink.class, out.toString());
    StreamingJob job = ctx.execute();
    awaitFinished(job);
    assertEquals(expectedRunningCounts(500, 4), sortedOutput(out));
    assertEquals(0, job.restarts());
  }

  /** Back to lower case (after Upper), so the words are those of Lines. */
  public static final class Lower implements io.colony.streaming.function.MapFunction<String, String> {
    @Override
    public String map(String record) {
      return record.toLowerCase();
    }
  }

  @Test
  void tumblingCountWindowsEmitOncePerFullWindow() throws Exception {
    Path out = tmp.resolve("out");
    StreamingContext ctx = StreamingContext.builder("windows").build();
    ctx.fromSource(Lines.class, 200L, 3, 0L)
        .flatMap(Split.class)
        .keyBy(First.class)
        .countWindow(4)
        .reduce(AddCounts.class)
        .sink(FileSink.class, out.toString());
    StreamingJob job = ctx.execute();
    awaitFinished(job);
    Map<String, Long> counts = new TreeMap<>();
    for (long n = 0; n < 200; n++) {
      for (String w : Lines.line(n, 3).split(" ")) {
        counts.merge(w, 1L, Long::sum);
      }
    }
    List<String> expected = new ArrayList<>();
    for (Map.Entry<String, Long> e : counts.entrySet()) {
      for (long k = 0; k < e.getValue() / 4; k++) {
        expected.add(GSON.toJson(List.of(e.getKey(), 4L)));
      }
    }
    expected.sort(null);
    assertEquals(expected, sortedOutput(out));
  }

  /**
   * SIGKILL of the JVM running the keyed reduce and the sink, mid-stream: every operator restarts
   * from the last complete checkpoint and the committed output equals the failure-free run's,
   * record for record.
   */
  @Test
  void killingAnOperatorsJvmRecoversExactlyOnce() throws Exception {
    Path out = tmp.resolve("out");
    long lines = 4000;
    Path gate = tmp.resolve("gate");
    StreamingContext ctx =
        StreamingContext.builder("wc-kill").batchSize(20).checkpointIntervalMs(150).build();
    // Half the lines, then the source waits for the gate file (created after the kill).
    ctx.fromSource(Lines.class, lines, 3, 1000L, gate.toString(), lines / 2)
        .flatMap(Split.class)
        .keyBy(First.class)
        .reduce(AddCounts.class)
        .sink(FileSink.class, out.toString());
    StreamingJob job = ctx.execute();
    long deadline = System.nanoTime() + DEADLINE_MS * 1_000_000L;
    while (job.lastCheckpoint() < 2 && System.nanoTime() < deadline && job.status() != JobStatus.FINISHED) {
      Thread.sleep(20);
    }
    assertTrue(job.lastCheckpoint() >= 2, "no checkpoint completed; status " + job.status());
    assertEquals(JobStatus.RUNNING, job.status(), "failure: " + job.failure());
    List<Long> pids = job.javaProcessIds("3-reduce");
    assertEquals(1, pids.size());
    new ProcessBuilder("kill", "-9", Long.toString(pids.get(0))).start().waitFor();
    java.nio.file.Files.createFile(gate);
    awaitFinished(job);
    assertTrue(job.restarts() >= 1, "the kill was not noticed");
    assertEquals(expectedRunningCounts(lines, 3), sortedOutput(out));
  }

  /**
   * stop() takes one more checkpoint (periodic ones are off here, so it is the only one) and a
   * new run resumes from it in the checkpoint folder: the output is exact.
   */
  @Test
  void aStoppedJobResumesFromItsCheckpointFolder() throws Exception {
    Path out = tmp.resolve("out");
    long lines = 3000;
    StreamingContext ctx =
        StreamingContext.builder("wc-stop")
            .batchSize(20)
            .checkpointIntervalMs(0)
            .checkpointFolder(tmp.resolve("checkpoints").toString())
            .build();
    Path gate = tmp.resolve("gate");
    ctx.fromSource(Lines.class, lines, 2, 1000L, gate.toString(), lines / 2)
        .flatMap(Split.class)
        .keyBy(First.class)
        .reduce(AddCounts.class)
        .sink(FileSink.class, out.toString());
    StreamingJob job = ctx.execute();
    long deadline = System.nanoTime() + DEADLINE_MS * 1_000_000L;
    while ((job.metrics().isEmpty() || job.metrics().get(0).recordsOut() == 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(JobStatus.RUNNING, job.status(), "failure: " + job.failure());
    assertEquals(-1, job.lastCheckpoint());
    job.stop();
    assertEquals(JobStatus.STOPPED, job.status());
    assertEquals(1, job.lastCheckpoint(), "stop() takes a checkpoint first");
    java.nio.file.Files.createFile(gate);
    StreamingJob resumed = ctx.resume();
    awaitFinished(resumed);
    assertEquals(expectedRunningCounts(lines, 2), sortedOutput(out));
  }

  /** [key, event time, 1]: keys a, b, c in turn, one ms apart, and a late record at the end. */
  private static List<List<Object>> timedRecords(int n) {
    List<List<Object>> records = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      records.add(List.of(List.of("a", "b", "c").get(i % 3), (long) i, 1L));
    }
    records.add(List.of("a", 0L, 100L)); // its window [0, 10) fired long before: dropped
    return records;
  }

  private static List<String> parsed(Path folder) throws Exception {
    List<String> out = new ArrayList<>();
    for (String line : FileSink.readLines(folder.toString())) {
      List<?> values = GSON.fromJson(line, List.class);
      List<Object> normalized = new ArrayList<>();
      for (Object v : values) {
        normalized.add(v instanceof Number ? (Object) ((Number) v).longValue() : v);
      }
      out.add(GSON.toJson(normalized));
    }
    out.sort(null);
    return out;
  }

  @Test
  void tumblingEventTimeWindowsFireOnWatermarksAndDropLateRecords() throws Exception {
    Path out = tmp.resolve("out");
    StreamingContext ctx = StreamingContext.builder("event-time").batchSize(8).build();
    ctx.fromCollection(timedRecords(60))
        .assignTimestamps(EventTimeFunctions.Time.class, 0)
        .keyBy(EventTimeFunctions.Key.class)
        .timeWindow(10)
        .reduce(EventTimeFunctions.Sum.class)
        .sink(FileSink.class, out.toString());
    awaitFinished(ctx.execute());
    List<String> expected = new ArrayList<>();
    for (long start = 0; start < 60; start += 10) {
      for (int k = 0; k < 3; k++) {
        long count = 0;
        long last = -1;
        for (long t = start; t < start + 10; t++) {
          if (t % 3 == k) {
            count++;
            last = t;
          }
        }
        expected.add(GSON.toJson(List.of(List.of("a", "b", "c").get(k), last, count)));
      }
    }
    expected.sort(null);
    assertEquals(expected, parsed(out));
  }

  @Test
  void slidingEventTimeWindowsApplyAndKeyedStateRun() throws Exception {
    Path windows = tmp.resolve("windows");
    Path firsts = tmp.resolve("firsts");
    StreamingContext ctx = StreamingContext.builder("event-time-apply").parallelism(2).build();
    DataStream<List<Object>> timed =
        ctx.fromCollection(timedRecords(30).subList(0, 30)) // without the late record
            .assignTimestamps(EventTimeFunctions.Time.class, 5);
    timed.keyBy(EventTimeFunctions.Key.class)
        .timeWindow(10, 5)
        .apply(EventTimeFunctions.Describe.class)
        .sink(FileSink.class, windows.toString());
    timed.keyBy(EventTimeFunctions.Key.class)
        .process(EventTimeFunctions.FirstOfKey.class)
        .sink(FileSink.class, firsts.toString());
    awaitFinished(ctx.execute());
    // Windows [-5, 5), [0, 10), ..., [25, 35) per key; each holds the key's records in it.
    List<String> expected = new ArrayList<>();
    for (long start = -5; start < 30; start += 5) {
      for (int k = 0; k < 3; k++) {
        long count = 0;
        for (long t = Math.max(0, start); t < Math.min(30, start + 10); t++) {
          count += t % 3 == k ? 1 : 0;
        }
        if (count > 0) {
          expected.add(GSON.toJson(List.of(List.of("a", "b", "c").get(k), start, start + 10, count)));
        }
      }
    }
    expected.sort(null);
    assertEquals(expected, parsed(windows));
    // One record per key (which one depends on how the two source instances interleave).
    List<String> keys = new ArrayList<>();
    for (String line : parsed(firsts)) {
      keys.add((String) GSON.fromJson(line, List.class).get(0));
    }
    assertEquals(List.of("a", "b", "c"), keys);
  }

  @Test
  void countWindowsApplyGetTheirRecordsAndBounds() throws Exception {
    Path out = tmp.resolve("out");
    StreamingContext ctx = StreamingContext.builder("count-apply").build();
    ctx.fromCollection(timedRecords(12))
        .keyBy(EventTimeFunctions.Key.class)
        .countWindow(2)
        .apply(EventTimeFunctions.Describe.class)
        .sink(FileSink.class, out.toString());
    awaitFinished(ctx.execute());
    // 4 records per key (a has a fifth, the "late" one, which count windows take): [0, 2), [2, 4)
    List<String> expected = new ArrayList<>();
    for (String k : List.of("a", "b", "c")) {
      expected.add(GSON.toJson(List.of(k, 0L, 2L, 2L)));
      expected.add(GSON.toJson(List.of(k, 2L, 4L, 2L)));
    }
    expected.sort(null);
    assertEquals(expected, parsed(out));
  }

  @Test
  void aFunctionThatAlwaysFailsEndsTheJobWithItsError() throws Exception {
    StreamingContext ctx = StreamingContext.builder("failing").maxRestarts(1).build();
    ctx.fromCollection(List.of("a", "bad", "c")).map(Failing.class, "bad").sink(DiscardingSink.class);
    StreamingJob job = ctx.execute();
    assertTrue(job.awaitTermination(DEADLINE_MS), "the job did not end; status " + job.status());
    assertEquals(JobStatus.FAILED, job.status());
    assertEquals(1, job.restarts());
    assertTrue(job.failure().contains("bad record bad"), job.failure());
    assertTrue(job.failure().contains("gave up after 1 restarts"), job.failure());
  }

  /** A slow operator holds its source back: the records in flight stay within the credits. */
  @Test
  void aSlowOperatorHoldsBackItsSource() throws Exception {
    int batch = 16;
    int credits = 2;
    StreamingContext ctx =
        StreamingContext.builder("backpressure").batchSize(batch).credits(credits).build();
    ctx.fromSource(Lines.class, 3000L, 1, 0L)
        .map(SlowSink.Slow.class)
        .parallelism(2) // a REBALANCE edge: channels between the source and the slow map
        .sink(DiscardingSink.class);
    StreamingJob job = ctx.execute();
    long worst = 0;
    int samples = 0;
    while (!job.awaitTermination(50)) {
      List<OperatorMetrics> m = job.metrics();
      if (m.size() == 3 && m.get(1).recordsIn() < 2000) { // source, slow map (2 instances), sink
        long ahead = m.get(0).recordsOut() - m.get(1).recordsIn();
        worst = Math.max(worst, ahead);
        samples++;
        assertTrue(m.get(1).backlog() <= 2L * credits, "backlog " + m.get(1).backlog());
      }
    }
    assertEquals(JobStatus.FINISHED, job.status(), "failure: " + job.failure());
    assertTrue(samples > 5, "too few samples: " + samples);
    // Two channels of `credits` batches, plus the batches a read produces: far below the 3000
    // the source would be ahead without credits.
    assertTrue(worst <= 2L * credits * batch + 4L * batch, "the source ran ahead by " + worst);
  }
}
