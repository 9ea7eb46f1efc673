package io.colony.tests.cluster;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/** Streaming tasks for StreamingGeneratorTest. */
public final class Streams {
  private Streams() {}

  public static Stream<Integer> squares(int n) {
    return IntStream.range(0, n).map(i -> i * i).boxed();
  }

  /**
   * Item 0 at once; item 1 only after the caller opened the named Tally {@code gate} (it reads
   * item 0 first, so it must have got it while this task still ran).
   */
  public static Iterator<String> gated(String gate) {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < 2;
      }

      @Override
      public String next() {
        if (next == 1) {
          waitOpen(gate);
        }
        return "item" + next++;
      }
    };
  }

  private static void waitOpen(String gate) {
    Optional<ActorHandle<Tally>> tally = Colony.getActor(gate);
    long deadline = System.currentTimeMillis() + 120_000;
    while (Colony.get(tally.orElseThrow().task(Tally::get).remote()) == 0) {
      if (System.currentTimeMillis() > deadline) {
        throw new IllegalStateException("the caller never opened " + gate);
      }
      sleep(20);
    }
  }

  /** {@code n} items, adding 1 to the named Tally before each (what the task produced). */
  public static Iterator<Integer> counted(String tallyName, int n) {
    ActorHandle<Tally> tally = Colony.<Tally>getActor(tallyName).orElseThrow();
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return next < n;
      }

      @Override
      public Integer next() {
        if (next >= n) {
          throw new NoSuchElementException();
        }
        Colony.get(tally.task(Tally::add, 1).remote());
        return next++;
      }
    };
  }

  /** 0, 1, 2, then throws while producing item 3. */
  public static Iterator<Integer> failsAtThree() {
    return new Iterator<>() {
      private int next;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Integer next() {
        if (next == 3) {
          throw new IllegalArgumentException("no item 3");
        }
        return next++;
      }
    };
  }

  /** Never ends on its own (10 ms per item): for cancellation. */
  public static Iterator<Long> endless() {
    return new Iterator<>() {
      private long next;

      @Override
      public boolean hasNext() {
        return true;
      }

      @Override
      public Long next() {
        sleep(10);
        return next++;
      }
    };
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
