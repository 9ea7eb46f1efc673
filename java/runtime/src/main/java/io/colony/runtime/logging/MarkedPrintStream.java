package io.colony.runtime.logging;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * A worker's {@code System.out} or {@code System.err}: writes through to the original stream,
 * with the printing thread's marker line ({@link TaskLabels}) first whenever it differs from
 * the last marker this stream wrote. Several logical workers of one JVM share the stream, so
 * each line is labelled with the task or actor of the thread that printed it.
 */
public final class MarkedPrintStream extends PrintStream {
  private final PrintStream target;
  private String marked;
  private boolean atLineStart = true;

  public MarkedPrintStream(PrintStream target) {
    super(target, true);
    this.target = target;
  }

  /** Replaces System.out and System.err; called once when a worker process starts. */
  public static void install() {
    System.setOut(new MarkedPrintStream(System.out));
    System.setErr(new MarkedPrintStream(System.err));
  }

  @Override
  public synchronized void write(int b) {
    mark();
    target.write(b);
    atLineStart = b == '\n';
  }

  @Override
  public synchronized void write(byte[] buf, int off, int len) {
    if (len <= 0) {
      return;
    }
    mark();
    target.write(buf, off, len);
    atLineStart = buf[off + len - 1] == '\n';
  }

  @Override
  public void flush() {
    target.flush();
  }

  private void mark() {
    String label = TaskLabels.current();
    if (label == null || label.equals(marked)) {
      return;
    }
    marked = label;
    // A marker is a line of its own, even after output without a newline.
    byte[] line = ((atLineStart ? "" : "\n") + label + "\n").getBytes(StandardCharsets.UTF_8);
    target.write(line, 0, line.length);
    atLineStart = true;
  }
}
