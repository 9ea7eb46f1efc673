package io.colony.runtime.serialization;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.colony.runtime.object.ReferenceTracker;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The XLANG test vectors of {@code docs/xlang.md}: writes {@code
 * xlang_tests/vectors/java/<name>.bin} for every named value, and decodes every {@code
 * vectors/python/<name>.bin} there is, comparing it with the expected Java value (a name whose
 * Python file does not exist yet is skipped).
 *
 * <p>The folder is {@code -Dcolony.xlang.vectors.dir} (set by the runtime module's pom), else found
 * by walking up from the working directory.
 */
class XlangVectorsTest {
  private final XlangCodec codec = new XlangCodec(ReferenceTracker.NONE);

  /** The named values, in the Java form that decoding yields. */
  static Map<String, Object> vectors() {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("null", null);
    v.put("true", true);
    v.put("false", false);
    v.put("int_small", 7L);
    v.put("int_negative", -123456L);
    v.put("int_64max", 9223372036854775807L);
    v.put("int_64min", -9223372036854775808L);
    v.put("uint_64max", new BigInteger("18446744073709551615"));
    v.put("big_positive", BigInteger.ONE.shiftLeft(100));
    v.put("big_negative", BigInteger.ONE.shiftLeft(100).negate().subtract(BigInteger.valueOf(7)));
    v.put("float", 3.25);
    v.put("float_large", 1e300);
    v.put("string_ascii", "hello");
    v.put("string_unicode", "héllo wörld ✓ 日本");
    v.put("string_empty", "");
    v.put("bytes", new byte[] {0x00, 0x01, (byte) 0xff});
    v.put("bytes_empty", new byte[0]);
    v.put("list_mixed", Arrays.asList(1L, "two", 3.5, null, true, new byte[] {0x78}));
    v.put("list_nested", List.of(List.of(1L, 2L), List.of(), List.of(List.of(3L))));
    v.put("list_empty", List.of());
    Map<Object, Object> strKeys = new LinkedHashMap<>();
    strKeys.put("a", 1L);
    strKeys.put("b", List.of(1L, 2L));
    v.put("map_str_keys", strKeys);
    Map<Object, Object> intKeys = new LinkedHashMap<>();
    intKeys.put(1L, "one");
    intKeys.put(2L, "two");
    v.put("map_int_keys", intKeys);
    Map<Object, Object> inner = new LinkedHashMap<>();
    inner.put("x", null);
    v.put("map_nested", Map.of("outer", Map.of("inner", inner)));
    v.put("map_empty", Map.of());
    return v;
  }

  static Path vectorsDir() {
    String configured = System.getProperty("colony.xlang.vectors.dir");
    if (configured != null && !configured.isEmpty()) {
      return Paths.get(configured).toAbsolutePath().normalize();
    }
    for (Path dir = Paths.get("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("xlang_tests"))) {
        return dir.resolve("xlang_tests").resolve("vectors");
      }
    }
    throw new IllegalStateException(
        "no xlang_tests folder above " + Paths.get("").toAbsolutePath());
  }

  @Test
  void writesTheJavaVectors() throws IOException {
    Path dir = vectorsDir().resolve("java");
    Files.createDirectories(dir);
    for (Map.Entry<String, Object> vector : vectors().entrySet()) {
      byte[] data = codec.encode(vector.getValue(), null);
      Files.write(dir.resolve(vector.getKey() + ".bin"), data);
      // What Java writes, Java reads back as the same value.
      assertXlangEquals(vector.getKey(), vector.getValue(), codec.decode(data));
    }
  }

  @TestFactory
  Stream<DynamicTest> decodesThePythonVectors() {
    Path dir = vectorsDir().resolve("python");
    return vectors().entrySet().stream()
        .map(
            vector ->
                DynamicTest.dynamicTest(
                    "python/" + vector.getKey() + ".bin",
                    () -> {
                      Path file = dir.resolve(vector.getKey() + ".bin");
                      assumeTrue(Files.exists(file), "not written yet: " + file);
                      byte[] data = Files.readAllBytes(file);
                      assertXlangEquals(vector.getKey(), vector.getValue(), codec.decode(data));
                      // Both encoders pick the smallest encodings: the bytes agree too.
                      assertEquals(
                          HexFormat.of().formatHex(codec.encode(vector.getValue(), null)),
                          HexFormat.of().formatHex(data),
                          vector.getKey() + ": Java's bytes differ from Python's");
                    }));
  }

  /** Equal values of equal classes; byte arrays by content, lists and maps element-wise. */
  static void assertXlangEquals(String name, Object expected, Object actual) {
    assertTrue(
        xlangEquals(expected, actual),
        name + ": expected " + describe(expected) + " but decoded " + describe(actual));
  }

  static boolean xlangEquals(Object a, Object b) {
    if (a == null || b == null) {
      return a == b;
    }
    if (a instanceof byte[] && b instanceof byte[]) {
      return Arrays.equals((byte[]) a, (byte[]) b);
    }
    if (a instanceof List && b instanceof List) {
      List<?> x = (List<?>) a;
      List<?> y = (List<?>) b;
      if (x.size() != y.size()) {
        return false;
      }
      for (int i = 0; i < x.size(); i++) {
        if (!xlangEquals(x.get(i), y.get(i))) {
          return false;
        }
      }
      return true;
    }
    if (a instanceof Map && b instanceof Map) {
      Map<?, ?> x = (Map<?, ?>) a;
      Map<?, ?> y = (Map<?, ?>) b;
      if (x.size() != y.size()) {
        return false;
      }
      for (Map.Entry<?, ?> entry : x.entrySet()) {
        if (!y.containsKey(entry.getKey())
            || !xlangEquals(entry.getValue(), y.get(entry.getKey()))) {
          return false;
        }
      }
      // Insertion order is kept on both sides.
      return !(a instanceof LinkedHashMap) || sameKeyOrder(x, y);
    }
    return a.getClass() == b.getClass() && a.equals(b);
  }

  private static boolean sameKeyOrder(Map<?, ?> x, Map<?, ?> y) {
    Iterator<?> i = x.keySet().iterator();
    Iterator<?> j = y.keySet().iterator();
    while (i.hasNext()) {
      if (!xlangEquals(i.next(), j.next())) {
        return false;
      }
    }
    return true;
  }

  private static String describe(Object value) {
    if (value == null) {
      return "null";
    }
    if (value instanceof byte[]) {
      return "byte[" + HexFormat.of().formatHex((byte[]) value) + "]";
    }
    if (value instanceof List) {
      List<String> items = new ArrayList<>();
      for (Object item : (List<?>) value) {
        items.add(describe(item));
      }
      return items.toString();
    }
    if (value instanceof Map) {
      List<String> items = new ArrayList<>();
      ((Map<?, ?>) value).forEach((k, v) -> items.add(describe(k) + "=" + describe(v)));
      return "{" + String.join(", ", items) + "}";
    }
    return value + " (" + value.getClass().getSimpleName() + ")";
  }
}
