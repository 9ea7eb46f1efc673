package bench.streaming;

import io.colony.api.Colony;
import io.colony.streaming.JobStatus;
import io.colony.streaming.OperatorMetrics;
import io.colony.streaming.PyOperator;
import io.colony.streaming.StreamingContext;
import io.colony.streaming.StreamingJob;
import io.colony.streaming.function.Collector;
import io.colony.streaming.function.FlatMapFunction;
import io.colony.streaming.function.KeySelector;
import io.colony.streaming.function.ReduceFunction;
import io.colony.streaming.function.SourceFunction;
import io.colony.streaming.sink.DiscardingSink;
import java.util.ArrayList;
import java.util.List;

/**
 * The word count of bench/flink (same lines, same operators: source, flatMap to (word, 1), keyBy
 * word, rolling sum, a sink that drops), on Colony's io.colony.streaming. Arguments: lines,
 * parallelism, batch size, credits, checkpoint interval ms. Prints "key=value" lines.
 */
public final class WordCount {
  static final int WORDS_PER_LINE = 8;
  static final int VOCABULARY = 1000;

  private WordCount() {}

  /** Line i: the formula of bench/flink's Lines. */
  static String line(long i) {
    StringBuilder out = new StringBuilder(WORDS_PER_LINE * 8);
    for (int k = 0; k < WORDS_PER_LINE; k++) {
      if (k > 0) {
        out.append(' ');
      }
      out.append('w').append(Math.floorMod(i * 7919L + k * 104729L, VOCABULARY));
    }
    return out.toString();
  }

  /** Lines i, i+p, ... below total; the offset is the next line. */
  public static final class Lines implements SourceFunction<String> {
    private final long total;
    private long next;
    private int parallelism;

    public Lines(long total) {
      this.total = total;
    }

    @Override
    public void open(int instance, int parallelism, Object offset) {
      this.parallelism = parallelism;
      next = offset == null ? instance : ((Number) offset).longValue();
    }

    @Override
    public List<String> read(int max) {
      if (next >= total) {
        return null;
      }
      List<String> out = new ArrayList<>(max);
      while (out.size() < max && next < total) {
        out.add(line(next));
        next += parallelism;
      }
      return out;
    }

    @Override
    public Object offset() {
      return next;
    }
  }

  /** A line to [word, 1] per word. */
  public static final class Split implements FlatMapFunction<String, List<Object>> {
    @Override
    public void flatMap(String line, Collector<List<Object>> out) {
      int start = 0;
      for (int i = 0; i <= line.length(); i++) {
        if (i == line.length() || line.charAt(i) == ' ') {
          out.collect(List.of(line.substring(start, i), 1L));
          start = i + 1;
        }
      }
    }
  }

  public static final class Word implements KeySelector<List<Object>, Object> {
    @Override
    public Object key(List<Object> pair) {
      return pair.get(0);
    }
  }

  public static final class Add implements ReduceFunction<List<Object>> {
    @Override
    public List<Object> reduce(List<Object> a, List<Object> b) {
      return List.of(a.get(0), ((Number) a.get(1)).longValue() + ((Number) b.get(1)).longValue());
    }
  }

  /** A line to its words (the mixed job: a Python map makes the pairs). */
  public static final class Words implements FlatMapFunction<String, String> {
    @Override
    public void flatMap(String line, Collector<String> out) {
      int start = 0;
      for (int i = 0; i <= line.length(); i++) {
        if (i == line.length() || line.charAt(i) == ' ') {
          out.collect(line.substring(start, i));
          start = i + 1;
        }
      }
    }
  }

  public static void main(String[] args) throws Exception {
    long lines = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000L;
    int parallelism = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    int batch = args.length > 2 ? Integer.parseInt(args[2]) : 1024;
    int credits = args.length > 3 ? Integer.parseInt(args[3]) : 8;
    int interval = args.length > 4 ? Integer.parseInt(args[4]) : 1000;
    // "mixed": Java source and split -> Python map (word -> [word, 1]) -> Java keyBy and sum
    boolean mixed = args.length > 5 && args[5].equals("mixed");
    Colony.init();
    try {
      StreamingContext ctx =
          StreamingContext.builder("wordcount-bench")
              .parallelism(parallelism)
              .batchSize(batch)
              .credits(credits)
              .checkpointIntervalMs(interval)
              .build();
      if (mixed) {
        ctx.fromSource(Lines.class, lines)
            .flatMap(Words.class)
            .map(PyOperator.of("bench_stream", "pair"))
            .keyBy(Word.class)
            .reduce(Add.class)
            .sink(DiscardingSink.class);
      } else {
        ctx.fromSource(Lines.class, lines)
            .flatMap(Split.class)
            .keyBy(Word.class)
            .reduce(Add.class)
            .sink(DiscardingSink.class);
      }
      long start = System.nanoTime();
      StreamingJob job = ctx.execute();
      if (!job.awaitTermination(3_600_000) || job.status() != JobStatus.FINISHED) {
        throw new IllegalStateException("the job ended as " + job.status() + ": " + job.failure());
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      long words = lines * WORDS_PER_LINE;
      List<OperatorMetrics> metrics = job.metrics();
      long sinkIn = metrics.get(metrics.size() - 1).recordsIn();
      System.out.println("engine=colony io.colony.streaming" + (mixed ? " (mixed: Python map)" : ""));
      System.out.println("parallelism=" + parallelism);
      System.out.println("batch_size=" + batch);
      System.out.println("credits=" + credits);
      System.out.println("checkpoint_interval_ms=" + interval);
      System.out.println("lines=" + lines);
      System.out.println("words=" + words);
      System.out.println("sink_records=" + sinkIn);
      System.out.println("checkpoints=" + job.lastCheckpoint());
      System.out.printf("seconds=%.3f%n", seconds);
      System.out.printf("lines_per_s=%.0f%n", lines / seconds);
      System.out.printf("words_per_s=%.0f%n", words / seconds);
      if (sinkIn != words) {
        throw new IllegalStateException("the sink saw " + sinkIn + " records, not " + words);
      }
    } finally {
      Colony.shutdown();
    }
  }
}
