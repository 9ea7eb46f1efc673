package io.colony.runtime.arrow;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.colony.runtime.serialization.SerializedValue;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.BitVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VarCharVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;

/**
 * The ARROW test vectors of {@code docs/xlang.md}: writes {@code vectors/java/arrow_*.bin} and
 * decodes Python's. Arrow writers differ in padding and metadata, so values are compared, not
 * bytes.
 */
class ArrowVectorsTest {
  private static final double[] VALUES = {1.5, 2.5, 3.0};

  /** arrow_table: n int64 [1, -2, null], x float64 [0.5, -1.25, 1e300], s utf8 ["a", "héllo",
   * null], b bool [true, false, null]. */
  static VectorSchemaRoot table() {
    BufferAllocator allocator = ArrowMemory.allocator();
    BigIntVector n = new BigIntVector("n", allocator);
    n.allocateNew(3);
    n.set(0, 1);
    n.set(1, -2);
    n.setNull(2);
    Float8Vector x = new Float8Vector("x", allocator);
    x.allocateNew(3);
    x.set(0, 0.5);
    x.set(1, -1.25);
    x.set(2, 1e300);
    VarCharVector s = new VarCharVector("s", allocator);
    s.allocateNew(3);
    s.set(0, "a".getBytes(UTF_8));
    s.set(1, "héllo".getBytes(UTF_8));
    s.setNull(2);
    BitVector b = new BitVector("b", allocator);
    b.allocateNew(3);
    b.set(0, 1);
    b.set(1, 0);
    b.setNull(2);
    List<FieldVector> columns = List.of(n, x, s, b);
    columns.forEach(column -> column.setValueCount(3));
    VectorSchemaRoot root = new VectorSchemaRoot(columns);
    root.setRowCount(3);
    return root;
  }

  /** arrow_values: the one-column batch a 1-D numeric array crosses as. */
  static VectorSchemaRoot values() {
    Float8Vector values = new Float8Vector("values", ArrowMemory.allocator());
    values.allocateNew(VALUES.length);
    for (int i = 0; i < VALUES.length; i++) {
      values.set(i, VALUES[i]);
    }
    values.setValueCount(VALUES.length);
    VectorSchemaRoot root = VectorSchemaRoot.of(values);
    root.setRowCount(VALUES.length);
    return root;
  }

  static void assertIsTheTable(VectorSchemaRoot root) {
    assertEquals(3, root.getRowCount());
    assertEquals(
        List.of("n", "x", "s", "b"),
        root.getSchema().getFields().stream().map(f -> f.getName()).toList());
    BigIntVector n = (BigIntVector) root.getVector("n");
    assertEquals(1, n.get(0));
    assertEquals(-2, n.get(1));
    assertTrue(n.isNull(2));
    Float8Vector x = (Float8Vector) root.getVector("x");
    assertEquals(-1.25, x.get(1));
    assertEquals(1e300, x.get(2));
    VarCharVector s = (VarCharVector) root.getVector("s");
    assertEquals("héllo", new String(s.get(1), UTF_8));
    assertTrue(s.isNull(2));
    BitVector b = (BitVector) root.getVector("b");
    assertEquals(1, b.get(0));
    assertEquals(0, b.get(1));
    assertTrue(b.isNull(2));
  }

  private static Path dir(String language) {
    String configured = System.getProperty("colony.xlang.vectors.dir");
    assumeTrue(configured != null && !configured.isEmpty(), "colony.xlang.vectors.dir unset");
    return Paths.get(configured).resolve(language);
  }

  private static byte[] written(VectorSchemaRoot root) {
    return SerializedValue.inPieces(new byte[0], ArrowIpcWriter.write(root), List.of()).data();
  }

  @Test
  void writesTheJavaVectorsAndReadsThemBack() throws IOException {
    Path dir = dir("java");
    Files.createDirectories(dir);
    try (VectorSchemaRoot table = table();
        VectorSchemaRoot values = values()) {
      byte[] tableBytes = written(table);
      byte[] valuesBytes = written(values);
      Files.write(dir.resolve("arrow_table.bin"), tableBytes);
      Files.write(dir.resolve("arrow_values.bin"), valuesBytes);
      try (VectorSchemaRoot read = ArrowIpcReader.read(tableBytes)) {
        assertIsTheTable(read);
      }
      try (VectorSchemaRoot read = ArrowIpcReader.read(valuesBytes)) {
        assertArrayEquals(VALUES, (double[]) ArrowConversions.convert(read, double[].class));
      }
    }
    assertEquals(0, ArrowMemory.allocator().getAllocatedMemory());
  }

  @Test
  void decodesThePythonTable() throws IOException {
    Path file = dir("python").resolve("arrow_table.bin");
    assumeTrue(Files.exists(file), "not written yet: " + file);
    try (VectorSchemaRoot read = ArrowIpcReader.read(Files.readAllBytes(file))) {
      assertIsTheTable(read);
    }
  }

  @Test
  void decodesThePythonArrayAsADoubleArray() throws IOException {
    Path file = dir("python").resolve("arrow_values.bin");
    assumeTrue(Files.exists(file), "not written yet: " + file);
    try (VectorSchemaRoot read = ArrowIpcReader.read(Files.readAllBytes(file))) {
      assertEquals("values", read.getSchema().getFields().get(0).getName());
      assertArrayEquals(VALUES, (double[]) ArrowConversions.convert(read, double[].class));
      assertFalse(ArrowConversions.keepsRoot(double[].class));
    }
  }
}
