package xlang;

/** A Java actor that the Python cross-language tests create and call. */
public class Counter {
  private long value;

  public Counter(long start) {
    value = start;
  }

  public long increment(long by) {
    value += by;
    return value;
  }

  public long get() {
    return value;
  }

  public String property(String name) {
    return System.getProperty(name, "");
  }

  public long pid() {
    return ProcessHandle.current().pid();
  }
}
