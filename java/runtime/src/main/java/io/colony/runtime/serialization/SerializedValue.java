package io.colony.runtime.serialization;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.colony.runtime.generated.Common.Address;
import io.colony.runtime.generated.Common.ObjectReference;
import io.colony.runtime.generated.Common.ObjectValue;
import io.colony.runtime.object.ObjectRefImpl;
import java.util.List;

/**
 * A value as it travels: a metadata tag, the payload, and the refs found inside the value. Holding
 * this keeps those refs alive, which matters until the core worker has counted them.
 */
public record SerializedValue(byte[] metadata, byte[] data, List<ObjectRefImpl<?>> nestedRefs) {
  public SerializedValue {
    nestedRefs = List.copyOf(nestedRefs);
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
            .setData(ByteString.copyFrom(data));
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
