package xlang;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Java task functions that the Python cross-language tests call. */
public final class MathJob {
  private MathJob() {}

  public static int add(int a, int b) {
    return a + b;
  }

  public static Object echo(Object value) {
    return value;
  }

  public static Map<String, Integer> wordLengths(List<String> words) {
    Map<String, Integer> out = new TreeMap<>();
    for (String w : words) {
      out.put(w, w.length());
    }
    return out;
  }

  public static int overloaded(int a) {
    return a;
  }

  public static int overloaded(String a) {
    return a.length();
  }

  public static int fail(String message) {
    throw new IllegalStateException(message);
  }

  public static long sumBytes(byte[] data) {
    long sum = 0;
    for (byte b : data) {
      sum += b & 0xff;
    }
    return sum;
  }

  public static List<Long> range(int n) {
    List<Long> out = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      out.add(i);
    }
    return out;
  }
}
