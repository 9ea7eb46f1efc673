package io.colony.runtime.logging;

import io.colony.runtime.jni.NativeCoreWorker;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/**
 * A Java driver's end of worker output (docs/observability.md): a daemon thread takes the job's
 * lines from the core worker's log subscriber (which long-polls the GCS and folds repeats) and
 * prints them to {@code System.out} or {@code System.err}, prefixed {@code (name pid=N
 * node=XXXXXXXX)}. {@code COLONY_DEDUP_LOGS=0} prints every line; {@code
 * COLONY_DEDUP_LOGS_AGG_WINDOW_S} (default 5) is how long a line folds its repeats.
 */
public final class DriverLogPrinter implements AutoCloseable {
  private static final long POLL_MS = 500;
  private static final long STOP_WAIT_MS = 5000;

  private final long subscriber;
  private final Thread thread;

  private DriverLogPrinter(long subscriber) {
    this.subscriber = subscriber;
    this.thread = new Thread(this::printLines, "colony-log-printer");
    thread.setDaemon(true);
  }

  public static DriverLogPrinter start(String gcsAddress, String token, String jobIdHex) {
    long window = dedupWindowMs(System.getenv());
    DriverLogPrinter printer =
        new DriverLogPrinter(
            NativeCoreWorker.startLogSubscriber(gcsAddress, token, jobIdHex, window));
    printer.thread.start();
    return printer;
  }

  /** The folding window from the environment: 0 when COLONY_DEDUP_LOGS=0. */
  static long dedupWindowMs(Map<String, String> env) {
    if ("0".equals(env.get("COLONY_DEDUP_LOGS"))) {
      return 0;
    }
    String seconds = env.get("COLONY_DEDUP_LOGS_AGG_WINDOW_S");
    if (seconds == null || seconds.isBlank()) {
      return 5000;
    }
    try {
      return Math.max(0, Math.round(Double.parseDouble(seconds.trim()) * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "COLONY_DEDUP_LOGS_AGG_WINDOW_S must be a number of seconds, got '" + seconds + "'");
    }
  }

  private void printLines() {
    while (true) {
      byte[][] lines = NativeCoreWorker.nextLogLines(subscriber, POLL_MS);
      if (lines == null) {
        return;
      }
      for (byte[] line : lines) {
        if (line.length == 0) {
          continue;
        }
        String text = new String(line, 1, line.length - 1, StandardCharsets.UTF_8);
        (line[0] == 1 ? System.err : System.out).println(text);
      }
    }
  }

  /** Stops polling and prints what is left (folded repeats included). */
  @Override
  public void close() {
    NativeCoreWorker.stopLogSubscriber(subscriber);
    try {
      thread.join(STOP_WAIT_MS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (!thread.isAlive()) {
      NativeCoreWorker.releaseLogSubscriber(subscriber);
    }
  }
}
