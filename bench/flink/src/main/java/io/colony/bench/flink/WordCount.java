package io.colony.bench.flink;

import java.util.concurrent.atomic.LongAdder;
import org.apache.flink.api.common.functions.FlatMapFunction;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.api.java.tuple.Tuple2;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.SinkFunction;
import org.apache.flink.util.Collector;

/**
 * The streaming word count that bench/flink_wordcount.sh times on Flink's local MiniCluster:
 * a source of generated lines (line i is {@link Lines#line}), flatMap to (word, 1), keyBy word,
 * a rolling sum, and a sink that counts what reaches it. The same job and the same lines as
 * Colony's Java word count (io.colony.streaming bench), so the two figures compare.
 *
 * <p>Arguments: lines, parallelism. Prints one "key=value" per line.
 */
public final class WordCount {
  private WordCount() {}

  /** What reached the sink: the MiniCluster runs in this JVM, so a static counter sees it. */
  static final LongAdder SINK_RECORDS = new LongAdder();

  public static void main(String[] args) throws Exception {
    long lines = args.length > 0 ? Long.parseLong(args[0]) : 2_000_000L;
    int parallelism = args.length > 1 ? Integer.parseInt(args[1]) : 1;
    StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
    env.setParallelism(parallelism);
    env.fromSequence(0, lines - 1)
        .map(Lines::line)
        .returns(Types.STRING)
        .flatMap(new Split())
        .returns(Types.TUPLE(Types.STRING, Types.LONG))
        .keyBy(pair -> pair.f0, Types.STRING)
        .reduce((a, b) -> Tuple2.of(a.f0, a.f1 + b.f1))
        .addSink(new CountingSink());
    long start = System.nanoTime();
    env.execute("wordcount");
    double seconds = (System.nanoTime() - start) / 1e9;
    long words = lines * Lines.WORDS_PER_LINE;
    System.out.println("engine=flink " + org.apache.flink.runtime.util.EnvironmentInformation.getVersion());
    System.out.println("parallelism=" + parallelism);
    System.out.println("lines=" + lines);
    System.out.println("words=" + words);
    System.out.println("sink_records=" + SINK_RECORDS.sum());
    System.out.printf("seconds=%.3f%n", seconds);
    System.out.printf("lines_per_s=%.0f%n", lines / seconds);
    System.out.printf("words_per_s=%.0f%n", words / seconds);
    if (SINK_RECORDS.sum() != words) {
      throw new IllegalStateException("the sink saw " + SINK_RECORDS.sum() + " records, not " + words);
    }
  }

  /** A line to (word, 1) per word. */
  static final class Split implements FlatMapFunction<String, Tuple2<String, Long>> {
    @Override
    public void flatMap(String line, Collector<Tuple2<String, Long>> out) {
      for (String word : line.split(" ")) {
        out.collect(Tuple2.of(word, 1L));
      }
    }
  }

  /** Counts the updated (word, count) pairs that reach it. */
  static final class CountingSink implements SinkFunction<Tuple2<String, Long>> {
    @Override
    public void invoke(Tuple2<String, Long> value, Context context) {
      SINK_RECORDS.increment();
    }
  }
}
