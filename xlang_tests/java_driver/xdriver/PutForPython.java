package xdriver;

import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.function.PyFunction;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A Java driver that puts language-neutral values with Colony.put and hands the refs to Python
 * (docs/xlang.md: they are stored as XLANG); prints what Python saw, one "name=..." per line.
 */
public final class PutForPython {
  private PutForPython() {}

  public static void main(String[] args) {
    Colony.init();
    try {
      PyFunction<String> describe = PyFunction.of("py_fixtures", "describe", String.class);
      print("list", Colony.put(List.of(1L, 2L)), describe);
      Map<String, Object> nested = new LinkedHashMap<>();
      nested.put("name", "héllo");
      nested.put("bytes", new byte[] {0, 1, (byte) 0xff});
      nested.put("xs", List.of(1.5, true));
      nested.put("none", null);
      print("map", Colony.put(nested), describe);
      print("string", Colony.put("text"), describe);
      // Large enough for the shared-memory store.
      List<Long> big = new java.util.ArrayList<>();
      for (long i = 0; i < 50_000; i++) {
        big.add(i);
      }
      ObjectRef<Long> total =
          Colony.task(PyFunction.of("py_fixtures", "total", Long.class), Colony.put(big)).remote();
      System.out.println("big_total=" + Colony.get(total));
      // A ref inside a put list: Python gets it as an ObjectRef and reads its value.
      ObjectRef<List<Long>> inner = Colony.put(List.of(40L, 2L));
      ObjectRef<Long> viaRef =
          Colony.task(PyFunction.of("py_fixtures", "total_of_refs", Long.class),
                  Colony.put(List.of(inner, inner))).remote();
      System.out.println("refs_total=" + Colony.get(viaRef));
      // Integers are not neutral (they would come back as Long): Java-only, a clear error.
      try {
        Colony.get(Colony.task(describe, Colony.put(List.of(1, 2))).remote());
        System.out.println("java_only=read");
      } catch (RuntimeException e) {
        System.out.println("java_only=" + e.getMessage().replace('\n', ' '));
      }
      // Java reads its own put back as what it put.
      System.out.println("java_reads=" + Colony.get(Colony.put(List.of(1L, 2L))).get(1).getClass().getSimpleName());
    } finally {
      Colony.shutdown();
    }
  }

  private static void print(String name, ObjectRef<?> ref, PyFunction<String> describe) {
    System.out.println(name + "=" + Colony.get(Colony.task(describe, ref).remote()));
  }
}
