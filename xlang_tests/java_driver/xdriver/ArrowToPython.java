package xdriver;

import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.function.PyFunction;
import io.colony.api.runtime.RuntimeHolder;
import io.colony.runtime.ColonyRuntimeImpl;
import io.colony.runtime.arrow.ArrowMemory;
import java.util.Map;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.Float8Vector;
import org.apache.arrow.vector.VectorSchemaRoot;

/** A Java driver exchanging Arrow tables with Python functions; prints what it got. */
public final class ArrowToPython {
  private static final int ROWS = 200_000; // 3.2 MB: in shared memory

  private ArrowToPython() {}

  public static void main(String[] args) {
    Colony.init();
    try {
      try (VectorSchemaRoot table = table(ROWS)) {
        ObjectRef<VectorSchemaRoot> ref = Colony.put(table);
        Map<?, ?> seen = Colony.get(
            Colony.task(PyFunction.of("py_fixtures", "describe_table", Map.class), ref).remote());
        System.out.println("python_saw=" + seen.get("rows") + "/" + seen.get("total") + "/"
            + seen.get("in_place"));
        Map<?, ?> passed = Colony.get(
            Colony.task(PyFunction.of("py_fixtures", "describe_table", Map.class), table).remote());
        System.out.println("python_got_argument=" + passed.get("rows") + "/" + passed.get("total"));
      }
      PyFunction<VectorSchemaRoot> makeTable =
          PyFunction.of("py_fixtures", "make_table", VectorSchemaRoot.class);
      try (VectorSchemaRoot made = Colony.get(Colony.task(makeTable, ROWS).remote())) {
        Float8Vector x = (Float8Vector) made.getVector("x");
        System.out.println("java_got=" + made.getRowCount() + "/" + x.get(ROWS - 1) + "/"
            + inSharedMemory(x.getDataBuffer()));
      }
      PyFunction<double[]> arange = PyFunction.of("py_fixtures", "arange", double[].class);
      double[] values = Colony.get(Colony.task(arange, 5).remote());
      System.out.println("array=" + java.util.Arrays.toString(values));
      System.out.println("arrow_bytes_held=" + ArrowMemory.allocator().getAllocatedMemory());
    } finally {
      Colony.shutdown();
    }
  }

  /** "n" = 0..rows-1 (int64). */
  private static VectorSchemaRoot table(int rows) {
    BigIntVector n = new BigIntVector("n", ArrowMemory.allocator());
    n.allocateNew(rows);
    for (int i = 0; i < rows; i++) {
      n.set(i, i);
    }
    VectorSchemaRoot root = VectorSchemaRoot.of(n);
    root.setRowCount(rows);
    return root;
  }

  private static boolean inSharedMemory(ArrowBuf buffer) {
    long[] region = ((ColonyRuntimeImpl) RuntimeHolder.get()).sharedRegion();
    long start = buffer.memoryAddress();
    return start >= region[0] && start + buffer.capacity() <= region[0] + region[1];
  }
}
