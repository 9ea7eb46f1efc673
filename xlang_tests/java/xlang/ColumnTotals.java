package xlang;

import io.colony.runtime.arrow.ArrowMemory;
import org.apache.arrow.vector.VectorSchemaRoot;

/** A Java actor that adds up a column of the record batches it is sent. */
public class ColumnTotals {
  private final String column;
  private double total;
  private long rows;

  public ColumnTotals(String column) {
    this.column = column;
  }

  public long add(VectorSchemaRoot batch) {
    total += ArrowJob.sumColumn(batch, column);
    rows += batch.getRowCount();
    return rows;
  }

  public double total() {
    return total;
  }

  /** Arrow memory this JVM still accounts for: 0 once every value it read is closed. */
  public long arrowBytesHeld() {
    return ArrowMemory.allocator().getAllocatedMemory();
  }
}
