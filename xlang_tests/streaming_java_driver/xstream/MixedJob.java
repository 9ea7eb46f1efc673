package xstream;

import io.colony.api.Colony;
import io.colony.streaming.JobStatus;
import io.colony.streaming.PyOperator;
import io.colony.streaming.StreamingContext;
import io.colony.streaming.StreamingJob;
import io.colony.streaming.function.KeySelector;
import io.colony.streaming.function.ReduceFunction;
import io.colony.streaming.function.SourceFunction;
import io.colony.streaming.sink.FileSink;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/**
 * A Java-built mixed job (issue 21): a Java source -> a Python map (py_stream.to_pair) -> a Java
 * key_by and tumbling count window -> a Java file sink. Arguments: output folder, lines, delay per
 * batch in ms, and optionally "kill" and a gate file: the source stops at half its input until
 * the gate exists, and the driver says "ready_to_kill" once two checkpoints completed and waits
 * for a line on stdin (the test SIGKILLs the Python workers, creates the gate, then writes it).
 * Prints "key=value" lines.
 */
public final class MixedJob {
  private MixedJob() {}

  /**
   * Words w0..w6 in turn, instance i of p taking lines i, i+p, ...; offset = the next line. With a
   * gate, lines from total/2 on wait (read gives nothing, checkpoints go on) until the file exists.
   */
  public static final class Words implements SourceFunction<String> {
    private final long total;
    private final long delayMs;
    private final String gate;
    private long next;
    private int parallelism;

    public Words(long total, long delayMs, String gate) {
      this.total = total;
      this.delayMs = delayMs;
      this.gate = gate;
    }

    @Override
    public void open(int instance, int parallelism, Object offset) {
      this.parallelism = parallelism;
      next = offset == null ? instance : ((Number) offset).longValue();
    }

    @Override
    public List<String> read(int max) throws InterruptedException {
      if (next >= total) {
        return null;
      }
      if (!gate.isEmpty() && next >= total / 2 && !Files.exists(Paths.get(gate))) {
        Thread.sleep(1);
        return List.of();
      }
      Thread.sleep(delayMs);
      List<String> out = new ArrayList<>();
      while (out.size() < max && next < total) {
        out.add("w" + (next % 7));
        next += parallelism;
      }
      return out;
    }

    @Override
    public Object offset() {
      return next;
    }
  }

  public static final class First implements KeySelector<List<Object>, Object> {
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

  public static void main(String[] args) throws Exception {
    String out = args[0];
    long lines = Long.parseLong(args[1]);
    long delayMs = Long.parseLong(args[2]);
    boolean kill = args.length > 3 && args[3].equals("kill");
    String gate = kill ? args[4] : "";
    Colony.init();
    try {
      StreamingContext ctx =
          StreamingContext.builder("mixed-java-driver")
              .parallelism(2)
              .batchSize(16)
              .checkpointIntervalMs(200)
              .build();
      ctx.fromSource(Words.class, lines, delayMs, gate)
          .map(PyOperator.of("py_stream", "to_pair"))
          .keyBy(First.class)
          .countWindow(3)
          .reduce(Add.class)
          .sink(FileSink.class, out);
      StreamingJob job = ctx.execute();
      if (kill) {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (job.lastCheckpoint() < 2 && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        System.out.println("killed_after_checkpoint=" + job.lastCheckpoint());
        System.out.println("status_before_kill=" + job.status());
        System.out.println("ready_to_kill=1");
        System.out.flush();
        System.in.read(); // the test has killed the Python workers and opened the gate
      }
      boolean ended = job.awaitTermination(180_000);
      System.out.println("status=" + job.status());
      System.out.println("failure=" + job.failure());
      System.out.println("restarts=" + job.restarts());
      System.out.println("ended=" + ended);
      if (job.status() != JobStatus.FINISHED) {
        System.exit(2);
      }
    } finally {
      Colony.shutdown();
    }
  }
}
