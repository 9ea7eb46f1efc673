package bench.streaming;

import io.colony.api.Colony;
import io.colony.streaming.JobStatus;
import io.colony.streaming.StreamingContext;
import io.colony.streaming.StreamingJob;
import io.colony.streaming.function.Collector;
import io.colony.streaming.function.FilterFunction;
import io.colony.streaming.function.FlatMapFunction;
import io.colony.streaming.function.KeySelector;
import io.colony.streaming.function.ReduceFunction;
import io.colony.streaming.function.SourceFunction;
import io.colony.streaming.sink.DiscardingSink;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Latency of the Java word count at a fixed input rate: the source stamps each line with the wall
 * clock (microseconds) when it emits it, the stamp travels with the words through the keyed sum,
 * and a probe before the sink records now - stamp for every word after a warm-up fifth. The probe
 * writes p50/p99/max to a file once it has seen every word. Arguments: lines per second, seconds,
 * batch size, batch timeout ms, result file. Parallelism 1.
 */
public final class Latency {
  private Latency() {}

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
  }

  /** Lines at a fixed rate: [stamp, line]; the offset is the next line. */
  public static final class TimedLines implements SourceFunction<List<Object>> {
    private final long total;
    private final long rate;
    private long next;
    private long startNanos;

    public TimedLines(long total, long rate) {
      this.total = total;
      this.rate = rate;
    }

    @Override
    public void open(int instance, int parallelism, Object offset) {
      next = offset == null ? 0 : ((Number) offset).longValue();
      startNanos = System.nanoTime() - next * 1_000_000_000L / rate;
    }

    @Override
    public List<List<Object>> read(int max) throws InterruptedException {
      if (next >= total) {
        return null;
      }
      long due = (System.nanoTime() - startNanos) * rate / 1_000_000_000L;
      if (due <= next) {
        Thread.sleep(0, 200_000);
        return List.of();
      }
      List<List<Object>> out = new ArrayList<>();
      long stamp = nowMicros();
      while (out.size() < max && next < Math.min(total, due)) {
        out.add(List.of(stamp, WordCount.line(next)));
        next++;
      }
      return out;
    }

    @Override
    public Object offset() {
      return next;
    }
  }

  public static final class Split implements FlatMapFunction<List<Object>, List<Object>> {
    @Override
    public void flatMap(List<Object> stamped, Collector<List<Object>> out) {
      Object stamp = stamped.get(0);
      for (String word : ((String) stamped.get(1)).split(" ")) {
        out.collect(List.of(word, 1L, stamp));
      }
    }
  }

  public static final class Word implements KeySelector<List<Object>, Object> {
    @Override
    public Object key(List<Object> record) {
      return record.get(0);
    }
  }

  public static final class Add implements ReduceFunction<List<Object>> {
    @Override
    public List<Object> reduce(List<Object> a, List<Object> b) {
      return List.of(a.get(0), (Long) a.get(1) + (Long) b.get(1), b.get(2));
    }
  }

  /** Records now - stamp per word; writes the percentiles once all words arrived. */
  public static final class Probe implements FilterFunction<List<Object>> {
    private final long expected;
    private final String file;
    private final long[] samples;
    private long seen;
    private int kept;

    public Probe(long expected, String file) {
      this.expected = expected;
      this.file = file;
      this.samples = new long[(int) Math.min(expected, 5_000_000)];
    }

    @Override
    public boolean filter(List<Object> record) throws Exception {
      long latency = nowMicros() - (Long) record.get(2);
      seen++;
      if (seen > expected / 5 && kept < samples.length) {
        samples[kept++] = latency;
      }
      if (seen == expected) {
        long[] sorted = Arrays.copyOf(samples, kept);
        Arrays.sort(sorted);
        String text =
            String.format(
                "p50_ms=%.2f%np99_ms=%.2f%nmax_ms=%.2f%nsamples=%d%n",
                sorted[kept / 2] / 1000.0,
                sorted[(int) (kept * 0.99)] / 1000.0,
                sorted[kept - 1] / 1000.0,
                kept);
        Files.write(Paths.get(file), text.getBytes(StandardCharsets.UTF_8));
      }
      return false;
    }
  }

  public static void main(String[] args) throws Exception {
    long rate = Long.parseLong(args[0]);
    long seconds = Long.parseLong(args[1]);
    int batch = Integer.parseInt(args[2]);
    int timeoutMs = Integer.parseInt(args[3]);
    String file = args[4];
    long lines = rate * seconds;
    Files.deleteIfExists(Paths.get(file));
    Colony.init();
    try {
      StreamingContext ctx =
          StreamingContext.builder("latency-bench")
              .batchSize(batch)
              .batchTimeoutMs(timeoutMs)
              .checkpointIntervalMs(1000)
              .build();
      ctx.fromSource(TimedLines.class, lines, rate)
          .flatMap(Split.class)
          .keyBy(Word.class)
          .reduce(Add.class)
          .filter(Probe.class, lines * WordCount.WORDS_PER_LINE, file)
          .sink(DiscardingSink.class);
      StreamingJob job = ctx.execute();
      if (!job.awaitTermination(3_600_000) || job.status() != JobStatus.FINISHED) {
        throw new IllegalStateException("the job ended as " + job.status() + ": " + job.failure());
      }
      System.out.println("engine=colony io.colony.streaming");
      System.out.println("lines_per_s=" + rate);
      System.out.println("words_per_s=" + rate * WordCount.WORDS_PER_LINE);
      System.out.println("batch_size=" + batch);
      System.out.println("batch_timeout_ms=" + timeoutMs);
      System.out.print(new String(Files.readAllBytes(Paths.get(file)), StandardCharsets.UTF_8));
    } finally {
      Colony.shutdown();
    }
  }
}
