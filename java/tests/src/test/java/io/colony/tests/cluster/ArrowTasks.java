package io.colony.tests.cluster;

import io.colony.runtime.arrow.ArrowMemory;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/** Java tasks taking and returning Arrow tables, for ArrowTest. */
public final class ArrowTasks {
  private ArrowTasks() {}

  /** "n" = 0..rows-1 (int64). */
  public static VectorSchemaRoot numbers(int rows) {
    BigIntVector n = new BigIntVector("n", ArrowMemory.allocator());
    n.allocateNew(rows);
    for (int i = 0; i < rows; i++) {
      n.set(i, i);
    }
    VectorSchemaRoot root = VectorSchemaRoot.of(n);
    root.setRowCount(rows);
    return root;
  }

  public static long sum(VectorSchemaRoot table) {
    BigIntVector n = (BigIntVector) table.getVector("n");
    long sum = 0;
    for (int i = 0; i < table.getRowCount(); i++) {
      sum += n.get(i);
    }
    return sum;
  }
}
