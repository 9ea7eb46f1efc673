package io.colony.bench.flink;

/**
 * The word count's input: line i is {@link #WORDS_PER_LINE} words of a {@link #VOCABULARY}-word
 * vocabulary, picked by a fixed formula so that every engine reads the same text without a file.
 * Colony's Java word count generates the very same lines.
 */
public final class Lines {
  public static final int WORDS_PER_LINE = 8;
  public static final int VOCABULARY = 1000;

  private Lines() {}

  public static String line(long i) {
    StringBuilder out = new StringBuilder(WORDS_PER_LINE * 8);
    for (int k = 0; k < WORDS_PER_LINE; k++) {
      if (k > 0) {
        out.append(' ');
      }
      long w = Math.floorMod(i * 7919L + k * 104729L, VOCABULARY);
      out.append('w').append(w);
    }
    return out.toString();
  }
}
