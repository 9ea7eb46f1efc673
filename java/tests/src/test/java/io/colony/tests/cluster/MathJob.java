package io.colony.tests.cluster;

/** Task functions used by the cluster tests. */
public final class MathJob {
  private MathJob() {}

  public static int square(int x) {
    return x * x;
  }

  public static int add(int a, int b) {
    return a + b;
  }

  public static long sum6(int a, int b, int c, int d, int e, int f) {
    return (long) a + b + c + d + e + f;
  }

  public static int fail(String message) {
    throw new IllegalStateException(message);
  }

  public static byte[] bytes(int size) {
    byte[] out = new byte[size];
    for (int i = 0; i < size; i++) {
      out[i] = (byte) i;
    }
    return out;
  }

  public static long checksum(byte[] data) {
    long sum = 0;
    for (byte b : data) {
      sum += b & 0xff;
    }
    return sum;
  }

  public static int sleepMs(int ms) throws InterruptedException {
    Thread.sleep(ms);
    return ms;
  }
}
