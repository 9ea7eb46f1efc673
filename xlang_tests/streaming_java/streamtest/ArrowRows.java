package streamtest;

import io.colony.streaming.function.MapFunction;
import java.util.List;
import org.apache.arrow.vector.BigIntVector;
import org.apache.arrow.vector.VectorSchemaRoot;

/**
 * A Java map over Arrow record batches from Python (XLANG extension type 4): a batch's first
 * value and the sum of its {@code n} column. The root is the receiver's, so it closes it.
 */
public class ArrowRows implements MapFunction<VectorSchemaRoot, List<Long>> {
  @Override
  public List<Long> map(VectorSchemaRoot batch) {
    try (batch) {
      BigIntVector n = (BigIntVector) batch.getVector("n");
      long sum = 0;
      for (int i = 0; i < batch.getRowCount(); i++) {
        sum += n.get(i);
      }
      return List.of(n.get(0), sum);
    }
  }
}
