package io.colony.tests.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.Colony;
import io.colony.api.ObjectRef;
import io.colony.api.runtime.RuntimeHolder;
import io.colony.runtime.ColonyRuntimeImpl;
import io.colony.runtime.arrow.ArrowMemory;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;

/** VectorSchemaRoots between Java processes: ARROW values, read in place when large. */
class ArrowTest extends ClusterTestBase {
  private static final int LARGE = 100_000; // 800 KB: in shared memory

  private static long sumTo(long rows) {
    return rows * (rows - 1) / 2;
  }

  @Test
  void aPutTableIsReadInPlaceAndReleasedOnClose() {
    long heldBefore = ArrowMemory.allocator().getAllocatedMemory();
    ObjectRef<VectorSchemaRoot> ref;
    try (VectorSchemaRoot table = ArrowTasks.numbers(LARGE)) {
      ref = Colony.put(table);
    }
    try (VectorSchemaRoot got = Colony.get(ref)) {
      assertEquals(sumTo(LARGE), ArrowTasks.sum(got));
      assertTrue(inSharedMemory(((BigIntVector) got.getVector("n")).getDataBuffer()));
      assertTrue(ArrowMemory.allocator().getAllocatedMemory() > heldBefore);
    }
    assertEquals(heldBefore, ArrowMemory.allocator().getAllocatedMemory());
  }

  @Test
  void tablesGoToAndComeFromJavaTasks() {
    try (VectorSchemaRoot small = ArrowTasks.numbers(10)) {
      assertEquals(45L, Colony.get(Colony.task(ArrowTasks::sum, small).remote()));
    }
    ObjectRef<VectorSchemaRoot> made = Colony.task(ArrowTasks::numbers, LARGE).remote();
    assertEquals(sumTo(LARGE), Colony.get(Colony.task(ArrowTasks::sum, made).remote()));
    try (VectorSchemaRoot got = Colony.get(made)) {
      assertEquals(LARGE, got.getRowCount());
    }
  }

  private static boolean inSharedMemory(ArrowBuf buffer) {
    long[] region = ((ColonyRuntimeImpl) RuntimeHolder.get()).sharedRegion();
    long start = buffer.memoryAddress();
    return start >= region[0] && start + buffer.capacity() <= region[0] + region[1];
  }
}
