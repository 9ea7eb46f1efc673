package streamtest;

import io.colony.streaming.function.MapFunction;

/** A Java map in a Python-built streaming job: a decimal string to its number. */
public class Parse implements MapFunction<String, Long> {
  @Override
  public Long map(String record) {
    return Long.parseLong(record.trim());
  }
}
