package io.colony.runtime.task;

import com.google.protobuf.ByteString;
import io.colony.api.scheduling.LabelOperator;
import io.colony.api.scheduling.NodeAffinitySchedulingStrategy;
import io.colony.api.scheduling.NodeLabelSchedulingStrategy;
import io.colony.api.scheduling.SchedulingStrategy;
import io.colony.api.scheduling.SpreadSchedulingStrategy;
import io.colony.runtime.generated.Common;
import io.colony.runtime.generated.Common.LabelMatch;
import java.util.HexFormat;
import java.util.Map;

/**
 * The API's strategies as the core's {@code SchedulingStrategy} message (common.proto), set on
 * the {@code TaskSpec} so the core worker, GCS and raylets read them as they read Python's.
 */
final class SchedulingStrategies {
  private SchedulingStrategies() {}

  /** null for the default policy (the field stays unset). */
  static Common.SchedulingStrategy toProto(SchedulingStrategy strategy) {
    if (strategy == null) {
      return null;
    }
    Common.SchedulingStrategy.Builder out = Common.SchedulingStrategy.newBuilder();
    if (strategy instanceof SpreadSchedulingStrategy) {
      return out.setKind(Common.SchedulingStrategy.Kind.SPREAD).build();
    }
    if (strategy instanceof NodeAffinitySchedulingStrategy affinity) {
      return out.setKind(Common.SchedulingStrategy.Kind.NODE_AFFINITY)
          .setNodeId(ByteString.copyFrom(HexFormat.of().parseHex(affinity.getNodeId())))
          .setSoft(affinity.isSoft())
          .build();
    }
    if (strategy instanceof NodeLabelSchedulingStrategy labels) {
      out.setKind(Common.SchedulingStrategy.Kind.NODE_LABEL);
      labels.getHard().forEach((key, op) -> out.addHardLabels(match(key, op)));
      labels.getSoft().forEach((key, op) -> out.addSoftLabels(match(key, op)));
      return out.build();
    }
    throw new IllegalArgumentException(
        "unsupported scheduling strategy "
            + strategy.getClass().getName()
            + ": use NodeLabelSchedulingStrategy, NodeAffinitySchedulingStrategy or "
            + "SchedulingStrategy.spread()");
  }

  private static final Map<LabelOperator.Kind, LabelMatch.Op> OPS =
      Map.of(
          LabelOperator.Kind.IN, LabelMatch.Op.IN,
          LabelOperator.Kind.NOT_IN, LabelMatch.Op.NOT_IN,
          LabelOperator.Kind.EXISTS, LabelMatch.Op.EXISTS,
          LabelOperator.Kind.DOES_NOT_EXIST, LabelMatch.Op.DOES_NOT_EXIST);

  private static LabelMatch match(String key, LabelOperator op) {
    return LabelMatch.newBuilder()
        .setKey(key)
        .setOp(OPS.get(op.getKind()))
        .addAllValues(op.getValues())
        .build();
  }
}
