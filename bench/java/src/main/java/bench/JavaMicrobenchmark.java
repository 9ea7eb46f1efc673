package bench;

import io.colony.api.ActorHandle;
import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.function.PyActorClass;
import io.colony.api.function.PyActorMethod;
import java.io.FileWriter;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Java rows of Colony's microbenchmark: Ray's task and 1:1 actor rows, same workloads and
 * timing (a 1 s warm-up, then rounds of at least 2 s; figure = multiplier * calls / seconds;
 * mean and population standard deviation over the rounds).
 *
 * <pre>java -cp ... bench.JavaMicrobenchmark [rounds] [output.json]</pre>
 */
public final class JavaMicrobenchmark {
  private JavaMicrobenchmark() {}

  public static byte[] smallValue() {
    return new byte[] {'o', 'k'};
  }

  /** A streaming task: n small items, each reported to the caller as it is made. */
  public static java.util.Iterator<byte[]> smallValues(int n) {
    return java.util.stream.IntStream.range(0, n).mapToObj(i -> new byte[] {'o', 'k'}).iterator();
  }

  /** Ray's Actor: a no-op method. */
  public static class Actor {
    public byte[] smallValue() {
      return new byte[] {'o', 'k'};
    }
  }

  interface Workload {
    void run();
  }

  public static void main(String[] args) throws IOException {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    String output = args.length > 1 ? args[1] : null;
    Colony.init();
    Map<String, double[]> results = new LinkedHashMap<>();
    try {
      results.put("single client tasks sync (Java)",
          time(() -> Colony.get(Colony.task(JavaMicrobenchmark::smallValue).remote()), 1, rounds));
      results.put("single client tasks async (Java)", time(() -> {
        List<ObjectRef<byte[]>> refs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          refs.add(Colony.task(JavaMicrobenchmark::smallValue).remote());
        }
        Colony.get(refs);
      }, 1000, rounds));
      // Items of one streaming task (remoteGenerator), each read by the driver as it arrives.
      results.put("streaming generator items (Java)", time(() -> {
        for (ObjectRef<byte[]> item :
            Colony.task(JavaMicrobenchmark::smallValues, 1000).<byte[]>remoteGenerator()) {
          Colony.get(item);
        }
      }, 1000, rounds));
      ActorHandle<Actor> actor = Colony.actor(Actor::new).remote();
      results.put("1:1 actor calls sync (Java)",
          time(() -> Colony.get(actor.task(Actor::smallValue).remote()), 1, rounds));
      results.put("1:1 actor calls async (Java)", time(() -> {
        List<ObjectRef<byte[]>> refs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          refs.add(actor.task(Actor::smallValue).remote());
        }
        Colony.get(refs);
      }, 1000, rounds));
      // Java calling a Python actor (Ray's Actor.small_value), arguments and results in XLANG.
      ActorHandle<PyActorClass> pyActor =
          Colony.actor(PyActorClass.of("bench_xlang", "Actor")).remote();
      PyActorMethod<byte[]> smallValue = PyActorMethod.of("small_value", byte[].class);
      results.put("1:1 actor calls sync (Java -> Python)",
          time(() -> Colony.get(pyActor.task(smallValue).remote()), 1, rounds));
      results.put("1:1 actor calls async (Java -> Python)", time(() -> {
        List<ObjectRef<byte[]>> refs = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
          refs.add(pyActor.task(smallValue).remote());
        }
        Colony.get(refs);
      }, 1000, rounds));
    } finally {
      Colony.shutdown();
    }
    print(results, rounds);
    if (output != null) {
      write(results, rounds, output);
    }
  }

  static double[] time(Workload workload, double multiplier, int rounds) {
    long warmupEnd = System.nanoTime() + 1_000_000_000L;
    while (System.nanoTime() < warmupEnd) {
      workload.run();
    }
    double[] rates = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      long start = System.nanoTime();
      long calls = 0;
      while (System.nanoTime() - start < 2_000_000_000L) {
        workload.run();
        calls++;
      }
      rates[r] = multiplier * calls / ((System.nanoTime() - start) / 1e9);
    }
    double mean = 0;
    for (double rate : rates) {
      mean += rate / rounds;
    }
    double variance = 0;
    for (double rate : rates) {
      variance += (rate - mean) * (rate - mean) / rounds;
    }
    return new double[] {mean, Math.sqrt(variance)};
  }

  static void print(Map<String, double[]> results, int rounds) {
    System.out.printf("%-40s %16s %12s%n", "row (" + rounds + " rounds)", "mean per second",
        "± stddev");
    results.forEach((name, r) -> System.out.printf("%-40s %,16.2f %,12.2f%n", name, r[0], r[1]));
  }

  static void write(Map<String, double[]> results, int rounds, String path) throws IOException {
    StringBuilder json = new StringBuilder("{\n  \"rounds\": " + rounds + ",\n  \"rows\": {\n");
    int i = 0;
    for (Map.Entry<String, double[]> e : results.entrySet()) {
      json.append(String.format("    \"%s\": {\"mean\": %.2f, \"stddev\": %.2f}%s%n", e.getKey(),
          e.getValue()[0], e.getValue()[1], ++i < results.size() ? "," : ""));
    }
    json.append("  }\n}\n");
    try (FileWriter out = new FileWriter(path)) {
      out.write(json.toString());
    }
  }
}
