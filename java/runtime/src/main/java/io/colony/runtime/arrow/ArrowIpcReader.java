package io.colony.runtime.arrow;

import io.colony.runtime.jni.SharedBytes;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.arrow.flatbuf.MessageHeader;
import org.apache.arrow.memory.ArrowBuf;
import org.apache.arrow.memory.BufferAllocator;
import org.apache.arrow.vector.VectorLoader;
import org.apache.arrow.vector.VectorSchemaRoot;
import org.apache.arrow.vector.ipc.message.ArrowRecordBatch;
import org.apache.arrow.vector.ipc.message.MessageMetadataResult;
import org.apache.arrow.vector.ipc.message.MessageSerializer;
import org.apache.arrow.vector.types.pojo.Schema;
import org.apache.arrow.vector.util.VectorSchemaRootAppender;

/**
 * Reads an {@code ARROW} value, an Arrow IPC stream (docs/xlang.md), into a {@link
 * VectorSchemaRoot}. The record batch bodies are not copied: the vectors' buffers are slices of the
 * memory the stream lies in, so a value in shared memory is read where it is and stays referenced
 * until the root (or whatever its buffers were transferred to) is closed. A stream of several
 * batches is the exception: a root holds one batch, so they are appended into new buffers.
 */
public final class ArrowIpcReader {
  private static final int CONTINUATION = 0xFFFFFFFF;

  private ArrowIpcReader() {}

  /** Reads the stream in a shared-memory object; the object is released with the root. */
  public static VectorSchemaRoot read(SharedBytes shared) {
    ArrowBuf whole;
    try {
      whole = ArrowMemory.allocator().wrapForeignAllocation(new SharedAllocation(shared));
    } catch (RuntimeException e) {
      shared.release();
      throw e;
    }
    return readAndClose(whole);
  }

  /** Reads a stream from the heap (a small, inline value): one copy into Arrow memory. */
  public static VectorSchemaRoot read(byte[] stream) {
    ArrowBuf whole = ArrowMemory.allocator().buffer(stream.length);
    whole.setBytes(0, stream);
    return readAndClose(whole);
  }

  /** The root keeps its own references to the slices it uses; ours ends here. */
  private static VectorSchemaRoot readAndClose(ArrowBuf whole) {
    try (whole) {
      return readStream(whole);
    } catch (IOException | RuntimeException e) {
      throw new IllegalArgumentException("not a readable Arrow IPC stream: " + e.getMessage(), e);
    }
  }

  private static VectorSchemaRoot readStream(ArrowBuf stream) throws IOException {
    Schema schema = null;
    List<ArrowRecordBatch> batches = new ArrayList<>();
    try {
      long offset = 0;
      while (offset + 4 <= stream.capacity()) {
        int length = stream.getInt(offset);
        offset += 4;
        if (length == CONTINUATION) {
          length = stream.getInt(offset);
          offset += 4;
        }
        if (length == 0) {
          break; // end-of-stream marker
        }
        MessageMetadataResult message = metadataAt(stream, offset, length);
        offset += length;
        long bodyLength = message.getMessageBodyLength();
        if (message.headerType() == MessageHeader.Schema) {
          schema = MessageSerializer.deserializeSchema(message);
        } else if (message.headerType() == MessageHeader.RecordBatch) {
          ArrowBuf body = bodyAt(stream, offset, bodyLength);
          batches.add(MessageSerializer.deserializeRecordBatch(message, body));
        } else {
          throw new IOException(
              "Arrow IPC message type " + MessageHeader.name(message.headerType()) + " is not "
                  + "supported (dictionary-encoded columns cannot cross yet)");
        }
        offset += bodyLength;
      }
      if (schema == null) {
        throw new IOException("the stream has no schema message");
      }
      return load(schema, batches);
    } finally {
      batches.forEach(ArrowRecordBatch::close);
    }
  }

  /** A counted slice: deserializeRecordBatch takes over (and releases) the body it is given. */
  private static ArrowBuf bodyAt(ArrowBuf stream, long offset, long length) {
    ArrowBuf body = stream.slice(offset, length);
    body.getReferenceManager().retain();
    return body;
  }

  private static MessageMetadataResult metadataAt(ArrowBuf stream, long offset, int length) {
    ByteBuffer metadata = stream.nioBuffer(offset, length);
    return MessageMetadataResult.create(metadata, length);
  }

  private static VectorSchemaRoot load(Schema schema, List<ArrowRecordBatch> batches) {
    BufferAllocator allocator = ArrowMemory.allocator();
    VectorSchemaRoot root = VectorSchemaRoot.create(schema, allocator);
    if (batches.size() == 1) {
      new VectorLoader(root).load(batches.get(0));
      return root;
    }
    // Appending grows the target's buffers, so it must own them (never the shared ones).
    for (ArrowRecordBatch batch : batches) {
      try (VectorSchemaRoot part = VectorSchemaRoot.create(schema, allocator)) {
        new VectorLoader(part).load(batch);
        VectorSchemaRootAppender.append(root, part);
      }
    }
    return root;
  }
}
