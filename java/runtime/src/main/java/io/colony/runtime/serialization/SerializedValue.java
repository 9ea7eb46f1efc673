package io.colony.runtime.serialization;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.colony.runtime.generated.Common.Address;
import io.colony.runtime.generated.Common.ObjectReference;
import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.object.ObjectRefImpl;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * A value as it travels: a metadata tag, the payload, and the refs found inside the value. Holding
 * this keeps those refs alive, which matters until the core worker has counted them.
 *
 * <p>The payload is a {@code byte[]}, or (Arrow streams) direct buffers to lay end to end, which
 * the native side copies straight into shared memory; {@link #data()} joins them when needed.
 */
public record SerializedValue(
    byte[] metadata, byte[] data, List<ObjectRefImpl<?>> nestedRefs, List<ByteBuffer> pieces) {
  public SerializedValue {
    nestedRefs = List.copyOf(nestedRefs);
    pieces = pieces == null ? null : List.copyOf(pieces);
  }

  public SerializedValue(byte[] metadata, byte[] data, List<ObjectRefImpl<?>> nestedRefs) {
    this(metadata, data, nestedRefs, null);
  }

  /** A value whose payload is {@code pieces} laid end to end (direct buffers). */
  public static SerializedValue inPieces(
      byte[] metadata, List<ByteBuffer> pieces, List<ObjectRefImpl<?>> nestedRefs) {
    return new SerializedValue(metadata, null, nestedRefs, pieces);
  }

  /** Whether the payload is in {@link #pieces()} rather than one array. */
  public boolean inPieces() {
    return pieces != null;
  }

  /** The pieces for the native side: each exactly its bytes (position 0, capacity the size). */
  public ByteBuffer[] pieceArray() {
    return pieces.stream().map(ByteBuffer::slice).toArray(ByteBuffer[]::new);
  }

  /** The payload as one array (a copy, for a value in pieces). */
  @Override
  public byte[] data() {
    return pieces == null ? data : join(pieces);
  }

  private static byte[] join(List<ByteBuffer> pieces) {
    int size = 0;
    for (ByteBuffer piece : pieces) {
      size = Math.addExact(size, piece.remaining());
    }
    byte[] joined = new byte[size];
    int offset = 0;
    for (ByteBuffer piece : pieces) {
      int n = piece.remaining();
      piece.duplicate().get(joined, offset, n);
      offset += n;
    }
    return joined;
  }

  /** The nested refs' object IDs, in the order of {@link #nestedRefOwners()}. */
  public byte[][] nestedRefIds() {
    return nestedRefs.stream().map(ObjectRefImpl::id).toArray(byte[][]::new);
  }

  /** The nested refs' owners as serialized {@code Address} protos. */
  public byte[][] nestedRefOwners() {
    return nestedRefs.stream().map(ObjectRefImpl::ownerAddress).toArray(byte[][]::new);
  }

  /** The value as an inline {@code ObjectValue} proto. */
  public ObjectValue toProto() {
    ObjectValue.Builder value =
        ObjectValue.newBuilder()
            .setMetadata(ByteString.copyFrom(metadata))
            .setData(ByteString.copyFrom(data()));
    for (ObjectRefImpl<?> ref : nestedRefs) {
      value.addNestedRefs(toReference(ref));
    }
    return value.build();
  }

  /** A ref as the {@code ObjectReference} proto of a task argument or nested ref. */
  public static ObjectReference toReference(ObjectRefImpl<?> ref) {
    try {
      return ObjectReference.newBuilder()
          .setObjectId(ByteString.copyFrom(ref.id()))
          .setOwnerAddress(Address.parseFrom(ref.ownerAddress()))
          .build();
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("the owner address of " + ref + " is not an Address", e);
    }
  }
}
