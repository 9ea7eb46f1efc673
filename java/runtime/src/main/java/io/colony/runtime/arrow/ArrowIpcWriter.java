package io.colony.runtime.arrow;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.dictionary.DictionaryProvider;
import org.apache.arrow.vector.ipc.ArrowStreamWriter;

/**
 * Writes a {@link VectorSchemaRoot} as an Arrow IPC stream (schema, one record batch, end marker)
 * without copying the vectors' buffers: the result is a list of direct buffers to lay end to end,
 * the small message metadata copied and the batch bodies as views of the vectors' own memory. The
 * views are valid while the root is open and unchanged.
 */
public final class ArrowIpcWriter {
  private ArrowIpcWriter() {}

  public static List<ByteBuffer> write(VectorSchemaRoot root) {
    PieceChannel channel = new PieceChannel();
    try (ArrowStreamWriter writer =
        new ArrowStreamWriter(root, new DictionaryProvider.MapDictionaryProvider(), channel)) {
      writer.start();
      writer.writeBatch();
      writer.end();
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException(
          "could not write a VectorSchemaRoot as an Arrow IPC stream: " + e.getMessage(), e);
    }
    return channel.pieces();
  }

  /** Collects what the writer writes: big direct buffers by reference, the rest copied. */
  private static final class PieceChannel implements WritableByteChannel {
    // Below this a copy costs less than a piece (and the writer may reuse small buffers).
    private static final int BY_REFERENCE_MIN = 4096;

    private final List<ByteBuffer> pieces = new ArrayList<>();
    private final ByteArrayOutputStream small = new ByteArrayOutputStream();
    private boolean open = true;

    @Override
    public int write(ByteBuffer src) {
      int n = src.remaining();
      if (src.isDirect() && n >= BY_REFERENCE_MIN) {
        flushSmall();
        pieces.add(src.slice());
      } else {
        byte[] copy = new byte[n];
        src.duplicate().get(copy);
        small.write(copy, 0, n);
      }
      src.position(src.limit());
      return n;
    }

    private void flushSmall() {
      if (small.size() == 0) {
        return;
      }
      byte[] bytes = small.toByteArray();
      pieces.add(ByteBuffer.allocateDirect(bytes.length).put(bytes).flip());
      small.reset();
    }

    List<ByteBuffer> pieces() {
      flushSmall();
      return List.copyOf(pieces);
    }

    @Override
    public boolean isOpen() {
      return open;
    }

    @Override
    public void close() {
      open = false;
    }
  }
}
