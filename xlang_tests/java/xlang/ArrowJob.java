package xlang;

import io.colony.api.runtime.RuntimeHolder;
import io.colony.runtime.ColonyRuntimeImpl;
import io.colony.runtime.arrow.ArrowMemory;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BaseIntVector;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.FieldVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.FloatingPointVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/** Java tasks that the Python cross-language tests call with and for Arrow data. */
public class ArrowJob {
  /** The sum of a numeric column. */
  public static double sumColumn(VectorSchemaRoot table, String column) {
    FieldVector vector = table.getVector(column);
    if (vector == null) {
      throw new IllegalArgumentException("no column " + column + " in " + table.getSchema());
    }
    double sum = 0;
    for (int i = 0; i < table.getRowCount(); i++) {
      sum += vector instanceof FloatingPointVector
          ? ((FloatingPointVector) vector).getValueAsDouble(i)
          : ((BaseIntVector) vector).getValueAsLong(i);
    }
    return sum;
  }

  public static long rowCount(VectorSchemaRoot table) {
    return table.getRowCount();
  }

  public static double sumDoubles(double[] values) {
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    return sum;
  }

  public static long sumLongs(long[] values) {
    long sum = 0;
    for (long v : values) {
      sum += v;
    }
    return sum;
  }

  /** Whether every data buffer of the table lies in this process's shared-memory mapping. */
  public static boolean readInPlace(VectorSchemaRoot table) {
    long[] region = ((ColonyRuntimeImpl) RuntimeHolder.get()).sharedRegion();
    List<ArrowBuf> buffers = new ArrayList<>();
    for (FieldVector vector : table.getFieldVectors()) {
      buffers.add(vector.getDataBuffer());
    }
    for (ArrowBuf buffer : buffers) {
      long start = buffer.memoryAddress();
      if (start < region[0] || start + buffer.capacity() > region[0] + region[1]) {
        return false;
      }
    }
    return !buffers.isEmpty();
  }

  /** A table of n rows: "n" (int64, 0..n-1) and "half" (float64, n / 2). */
  public static VectorSchemaRoot halves(long n) {
    BigIntVector ns = new BigIntVector("n", ArrowMemory.allocator());
    Float8Vector halves = new Float8Vector("half", ArrowMemory.allocator());
    int rows = Math.toIntExact(n);
    ns.allocateNew(rows);
    halves.allocateNew(rows);
    for (int i = 0; i < rows; i++) {
      ns.set(i, i);
      halves.set(i, i / 2.0);
    }
    VectorSchemaRoot root = VectorSchemaRoot.of(ns, halves);
    root.setRowCount(rows);
    return root;
  }

  private static VectorSchemaRoot cached;

  /**
   * {@link #halves}(rows), built once per JVM and handed out as a slice that shares its buffers
   * (closing the slice leaves the cache intact): what benchmarks of returning tables time.
   */
  public static synchronized VectorSchemaRoot cachedHalves(long rows) {
    if (cached == null || cached.getRowCount() != rows) {
      if (cached != null) {
        cached.close();
      }
      cached = halves(rows);
    }
    return cached.slice(0, cached.getRowCount());
  }

  /** The table it is given, written back. */
  public static VectorSchemaRoot echoTable(VectorSchemaRoot table) {
    return table;
  }

  /**
   * Arrow data inside an XLANG value (extension type 4): the rows of each root in {@code
   * batches}, and a map holding the first root, which goes back to the caller.
   */
  public static List<Object> rowsInList(List<Object> batches) {
    List<Object> rows = new ArrayList<>();
    for (Object batch : batches) {
      rows.add((long) ((VectorSchemaRoot) batch).getRowCount());
    }
    for (Object batch : batches.subList(1, batches.size())) {
      ((VectorSchemaRoot) batch).close();
    }
    return List.of(rows, java.util.Map.of("first", batches.get(0)));
  }

  /** A parameter type no Arrow value converts to. */
  public static int length(String text) {
    return text.length();
  }
}
