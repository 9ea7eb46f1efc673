package io.colony.tests.cluster;

import java.util.Iterator;
import java.util.List;

/** A counter actor (gates and production counts for StreamingGeneratorTest); also streams. */
public class Tally {
  private int count;

  public Tally() {}

  public int add(int n) {
    count += n;
    return count;
  }

  public int get() {
    return count;
  }

  /** An actor method as a stream: the words of {@code text}, counting each. */
  public Iterator<String> words(String text) {
    List<String> words = List.of(text.split(" "));
    count += words.size();
    return words.iterator();
  }
}
