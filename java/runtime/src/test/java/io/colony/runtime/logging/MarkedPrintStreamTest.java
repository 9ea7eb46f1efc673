package io.colony.runtime.logging;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Marker lines go before a task's first output, once per change of task, on their own line. */
class MarkedPrintStreamTest {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
  private final MarkedPrintStream stream =
      new MarkedPrintStream(new PrintStream(bytes, true, StandardCharsets.UTF_8));

  @AfterEach
  void clearLabel() {
    TaskLabels.set(null);
  }

  private String written() {
    return bytes.toString(StandardCharsets.UTF_8);
  }

  @Test
  void marksOnlyWhenTheLabelChangesAndSomethingIsPrinted() {
    stream.println("before any task");
    TaskLabels.set(TaskLabels.task("ab12", "square"));
    TaskLabels.set(TaskLabels.task("cd34", "cube")); // printed nothing: no marker
    stream.println("one");
    stream.println("two");
    TaskLabels.set(TaskLabels.actor("ef56", "Counter"));
    stream.print("partial");
    TaskLabels.set(TaskLabels.task("0789", "multi\nline name"));
    stream.println("next");
    assertEquals(
        "before any task\n"
            + ":colony-task:cd34:cube\none\ntwo\n"
            + ":colony-actor:ef56:Counter\npartial\n"
            + ":colony-task:0789:multi line name\nnext\n",
        written());
  }

  @Test
  void labelsArePerThread() throws InterruptedException {
    TaskLabels.set(TaskLabels.task("aa", "main"));
    Thread other =
        new Thread(
            () -> {
              TaskLabels.set(TaskLabels.actor("bb", "Other"));
              stream.println("from other");
            });
    other.start();
    other.join();
    stream.println("from main");
    assertEquals(
        ":colony-actor:bb:Other\nfrom other\n:colony-task:aa:main\nfrom main\n", written());
  }
}
