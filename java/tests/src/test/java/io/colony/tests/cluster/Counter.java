package io.colony.tests.cluster;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** An actor as an application writes it. */
public class Counter {
  private int value;
  private final CountDownLatch rendezvous = new CountDownLatch(2);

  public Counter(int start) {
    this.value = start;
  }

  public int increment(int by) {
    value += by;
    return value;
  }

  public int get() {
    return value;
  }

  public int failIfNegative(int x) {
    if (x < 0) {
      throw new IllegalArgumentException("negative: " + x);
    }
    return x;
  }

  /** Two concurrent calls meet here; one call alone times out (proves max_concurrency). */
  public boolean meet() throws InterruptedException {
    rendezvous.countDown();
    return rendezvous.await(20, TimeUnit.SECONDS);
  }

  public int sleepMs(int ms) throws InterruptedException {
    Thread.sleep(ms);
    return ms;
  }

  public String property(String name) {
    return System.getProperty(name, "");
  }

  public long pid() {
    return ProcessHandle.current().pid();
  }

  public int exitProcess() {
    Runtime.getRuntime().halt(1);
    return 0;
  }
}
