package io.colony.runtime.arrow;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.colony.api.exception.ColonyException;
import io.colony.runtime.object.RecordingTracker;
import io.colony.runtime.serialization.XlangCodec;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.junit.jupiter.api.Test;

/** Arrow data inside XLANG values: extension type 4, an Arrow IPC stream (docs/xlang.md). */
class XlangArrowTest {
  private final XlangCodec codec = new XlangCodec(new RecordingTracker());

  @Test
  void aRootInsideAValueIsExtensionFourAndReadsBackAsARoot() {
    Object decoded;
    try (VectorSchemaRoot table = ArrowVectorsTest.table()) {
      byte[] encoded = codec.encode(Map.of("batch", List.of(table, 7L)), new ArrayList<>());
      decoded = codec.decode(encoded);
    }
    List<?> items = (List<?>) ((Map<?, ?>) decoded).get("batch");
    assertEquals(7L, items.get(1));
    try (VectorSchemaRoot root = assertInstanceOf(VectorSchemaRoot.class, items.get(0))) {
      ArrowVectorsTest.assertIsTheTable(root);
    }
  }

  @Test
  void aStreamThatCannotBeReadIsNamed() {
    ColonyException e =
        assertThrows(ColonyException.class, () -> codec.decode(HexFormat.of().parseHex("d40401")));
    assertTrue(e.getMessage().contains("extension type 4"), e.getMessage());
  }
}
