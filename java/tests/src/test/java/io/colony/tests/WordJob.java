package io.colony.tests;

import java.util.Map;
import java.util.TreeMap;

/** Task functions as an application writes them. */
public final class WordJob {
  private WordJob() {}

  public static Map<String, Integer> count(String text) {
    Map<String, Integer> counts = new TreeMap<>();
    for (String word : text.toLowerCase().split("\\W+")) {
      if (!word.isEmpty()) {
        counts.merge(word, 1, Integer::sum);
      }
    }
    return counts;
  }

  public static Map<String, Integer> merge(Map<String, Integer> a, Map<String, Integer> b) {
    Map<String, Integer> merged = new TreeMap<>(a);
    b.forEach((word, n) -> merged.merge(word, n, Integer::sum));
    return merged;
  }
}
