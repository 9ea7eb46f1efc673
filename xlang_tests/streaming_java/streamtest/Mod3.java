package streamtest;

import io.colony.streaming.function.KeySelector;

/** A Java key_by whose keyed records a Python reduce consumes. */
public class Mod3 implements KeySelector<Long, Long> {
  @Override
  public Long key(Long record) {
    return record % 3;
  }
}
