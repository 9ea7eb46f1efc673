package example;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Counts words of a few lines in parallel tasks and totals them in an actor. */
public final class WordCount {
  private WordCount() {}

  public static Map<String, Integer> count(String line) {
    Map<String, Integer> counts = new TreeMap<>();
    for (String word : line.toLowerCase().split("\\W+")) {
      if (!word.isEmpty()) {
        counts.merge(word, 1, Integer::sum);
      }
    }
    return counts;
  }

  /** The actor that totals the partial counts. */
  public static class Totals {
    private final Map<String, Integer> totals = new TreeMap<>();

    public int add(Map<String, Integer> counts) {
      counts.forEach((word, n) -> totals.merge(word, n, Integer::sum));
      return totals.size();
    }

    public Map<String, Integer> top() {
      return totals;
    }
  }

  public static void main(String[] args) {
    Colony.init();
    try {
      String[] lines = {
        "the quick brown fox jumps over the lazy dog",
        "the dog barks and the fox runs",
        "a quick brown dog"
      };
      ActorHandle<Totals> totals = Colony.actor(Totals::new).remote();
      List<ObjectRef<Integer>> added = new ArrayList<>();
      for (String line : lines) {
        ObjectRef<Map<String, Integer>> counts = Colony.task(WordCount::count, line).remote();
        added.add(totals.task(Totals::add, counts).remote());
      }
      Colony.get(added);
      System.out.println("word counts: " + Colony.get(totals.task(Totals::top).remote()));
    } finally {
      Colony.shutdown();
    }
  }
}
