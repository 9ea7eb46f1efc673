package xlang;

import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.stream.LongStream;
import java.util.stream.Stream;

/** Java streaming methods called from Python (test_python_to_java_streaming.py). */
public final class Streams {
  private int calls;

  public Streams() {}

  /** 0 .. |n|-1; a negative n throws after its items, while producing item |n|. */
  public static Iterator<Long> countUp(long n) {
    return new Iterator<>() {
      private long next;

      @Override
      public boolean hasNext() {
        return next < Math.abs(n) || n < 0;
      }

      @Override
      public Long next() {
        if (next >= Math.abs(n)) {
          if (n < 0) {
            throw new IllegalStateException("stopped after " + (-n) + " items");
          }
          throw new NoSuchElementException();
        }
        return next++;
      }
    };
  }

  public static Stream<List<Object>> pairs(long n) {
    return LongStream.range(0, n).mapToObj(i -> List.of(i, "item" + i));
  }

  /** An actor method as a stream; counts its calls. */
  public Iterator<String> words(String text) {
    calls++;
    return List.of(text.split(" ")).iterator();
  }

  public int calls() {
    return calls;
  }
}
