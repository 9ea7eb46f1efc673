package streamtest;

import io.colony.streaming.function.GeneratorFunction;
import java.util.Iterator;
import java.util.stream.LongStream;

/** A Java generator source in a Python-built job: this instance's share of 0 .. 999. */
public class Numbers implements GeneratorFunction<Long> {
  @Override
  public Iterator<Long> generate(int instance, int parallelism) {
    return LongStream.range(0, 1000).filter(i -> i % parallelism == instance).boxed().iterator();
  }
}
