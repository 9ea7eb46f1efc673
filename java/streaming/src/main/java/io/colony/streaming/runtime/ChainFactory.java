package io.colony.streaming.runtime;

import io.colony.runtime.object.ReferenceTracker;
import io.colony.runtime.serialization.XlangCodec;
import io.colony.streaming.proto.StreamingPlan.Operator;
import io.colony.streaming.proto.StreamingPlan.SourceSpec;
import io.colony.streaming.proto.StreamingPlan.WindowSpec;
import io.colony.streaming.runtime.ops.CountWindowLogic;
import io.colony.streaming.runtime.ops.EventTimeWindowLogic;
import io.colony.streaming.runtime.ops.FilterLogic;
import io.colony.streaming.runtime.ops.FlatMapLogic;
import io.colony.streaming.runtime.ops.KeyByLogic;
import io.colony.streaming.runtime.ops.MapLogic;
import io.colony.streaming.runtime.ops.OperatorLogic;
import io.colony.streaming.runtime.ops.PassLogic;
import io.colony.streaming.runtime.ops.ProcessLogic;
import io.colony.streaming.runtime.ops.RecordContext;
import io.colony.streaming.runtime.ops.ReduceLogic;
import io.colony.streaming.runtime.ops.SinkLogic;
import io.colony.streaming.runtime.ops.TimestampsLogic;
import io.colony.streaming.runtime.source.CollectionReader;
import io.colony.streaming.runtime.source.FunctionReader;
import io.colony.streaming.runtime.source.GeneratorReader;
import io.colony.streaming.runtime.source.SourceReader;
import java.util.List;

/** The Java runtime's operators for a plan's operators. */
final class ChainFactory {
  private static final XlangCodec XLANG = new XlangCodec(ReferenceTracker.NONE);

  private ChainFactory() {}

  static SourceReader source(Operator op, ClassLoader loader) throws Exception {
    SourceSpec spec = op.getSource();
    switch (spec.getKind()) {
      case COLLECTION:
        if (spec.getElements().isEmpty() && !spec.getPickledElements().isEmpty()) {
          throw new IllegalArgumentException(
              "source " + op.getId() + " holds pickled Python elements, which Java cannot read");
        }
        Object elements = spec.getElements().isEmpty() ? List.of() : XLANG.decode(spec.getElements().toByteArray());
        if (!(elements instanceof List)) {
          throw new IllegalArgumentException("source " + op.getId() + ": elements are not a list");
        }
        return new CollectionReader((List<?>) elements);
      case GENERATOR:
        return new GeneratorReader(Functions.create(op, loader));
      case FUNCTION:
        return new FunctionReader(Functions.create(op, loader));
      default:
        throw new IllegalArgumentException("source " + op.getId() + " has an unknown kind");
    }
  }

  static OperatorLogic operator(
      Operator op, ClassLoader loader, int instance, int parallelism, RecordContext context)
      throws Exception {
    switch (op.getKind()) {
      case TIMESTAMPS:
        return new TimestampsLogic(
            Functions.create(op, loader), op.getTimestamps().getMaxOutOfOrdernessMs(), context);
      case PROCESS:
        return new ProcessLogic(Functions.create(op, loader));
      case MAP:
        return new MapLogic(Functions.create(op, loader));
      case FLAT_MAP:
        return new FlatMapLogic(Functions.create(op, loader));
      case FILTER:
        return new FilterLogic(Functions.create(op, loader));
      case KEY_BY:
        return new KeyByLogic(Functions.create(op, loader));
      case REDUCE:
        return new ReduceLogic(Functions.create(op, loader));
      case UNION:
        return new PassLogic();
      case WINDOW:
        return window(op, loader, context);
      case SINK:
        SinkLogic sink = new SinkLogic(Functions.create(op, loader));
        sink.open(instance, parallelism);
        return sink;
      default:
        throw new IllegalArgumentException(
            "operator "
                + op.getId()
                + " ("
                + op.getName()
                + ") is a "
                + op.getKind()
                + ", which an operator actor cannot run");
    }
  }

  private static OperatorLogic window(Operator op, ClassLoader loader, RecordContext context)
      throws Exception {
    WindowSpec w = op.getWindow();
    boolean isApply = w.getFunction() == WindowSpec.Function.APPLY;
    if (w.getSize() < 1) {
      throw new IllegalArgumentException("window " + op.getId() + " has size 0");
    }
    switch (w.getKind()) {
      case TUMBLING_COUNT:
        return new CountWindowLogic(Functions.create(op, loader), isApply, w.getSize(), 0);
      case SLIDING_COUNT:
        return new CountWindowLogic(
            Functions.create(op, loader), isApply, w.getSize(), slide(op, w));
      case TUMBLING_EVENT_TIME:
        return new EventTimeWindowLogic(
            Functions.create(op, loader), isApply, w.getSize(), w.getSize(), context);
      case SLIDING_EVENT_TIME:
        return new EventTimeWindowLogic(
            Functions.create(op, loader), isApply, w.getSize(), slide(op, w), context);
      default:
        throw new IllegalArgumentException("window " + op.getId() + " has an unknown kind");
    }
  }

  private static int slide(Operator op, WindowSpec w) {
    if (w.getSlide() < 1) {
      throw new IllegalArgumentException("sliding window " + op.getId() + " has slide 0");
    }
    return w.getSlide();
  }

}
