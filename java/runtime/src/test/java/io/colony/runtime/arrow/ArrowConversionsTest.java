package io.colony.runtime.arrow;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;

class ArrowConversionsTest {
  @Test
  void aRootStaysARootForRootAndObjectParameters() {
    try (VectorSchemaRoot root = ArrowVectorsTest.values()) {
      assertSame(root, ArrowConversions.convert(root, VectorSchemaRoot.class));
      assertSame(root, ArrowConversions.convert(root, Object.class));
    }
  }

  @Test
  void aNumericColumnCopiesIntoJavaArrays() {
    try (VectorSchemaRoot root = ArrowVectorsTest.values()) {
      assertArrayEquals(
          new float[] {1.5f, 2.5f, 3.0f}, (float[]) ArrowConversions.convert(root, float[].class));
      IllegalArgumentException notIntegers =
          assertThrows(
              IllegalArgumentException.class, () -> ArrowConversions.convert(root, long[].class));
      assertTrue(notIntegers.getMessage().contains("not of integers"), notIntegers.getMessage());
    }
  }

  @Test
  void otherShapesAndTypesAreRefusedNamingWhy() {
    try (VectorSchemaRoot table = ArrowVectorsTest.table()) {
      IllegalArgumentException columns =
          assertThrows(
              IllegalArgumentException.class,
              () -> ArrowConversions.convert(table, double[].class));
      assertTrue(columns.getMessage().contains("4 columns"), columns.getMessage());
      IllegalArgumentException type =
          assertThrows(
              IllegalArgumentException.class, () -> ArrowConversions.convert(table, List.class));
      assertTrue(type.getMessage().contains("java.util.List"), type.getMessage());
      assertTrue(type.getMessage().contains("VectorSchemaRoot"), type.getMessage());
    }
  }

  @Test
  void garbageIsNotAStream() {
    IllegalArgumentException error =
        assertThrows(
            IllegalArgumentException.class, () -> ArrowIpcReader.read(new byte[] {1, 2, 3, 4, 5}));
    assertTrue(error.getMessage().contains("Arrow IPC"), error.getMessage());
  }
}
