package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.TimestampAssigner;

/**
 * {@code TIMESTAMPS}: gives each record its event time and makes watermarks: {@code max event time
 * seen - max out-of-orderness}, offered after each input batch when it advanced. Input watermarks
 * are swallowed, except the end of time (a bounded input's end), which passes on.
 */
public final class TimestampsLogic implements OperatorLogic {
  /** The watermark of a bounded input's end (docs/streaming.md). */
  public static final long END_OF_TIME = 1L << 53;

  private final TimestampAssigner<Object> function;
  private final long outOfOrderness;
  private final RecordContext context;
  private Long maxSeen;
  private Long offered;
  private boolean pending;

  @SuppressWarnings("unchecked")
  public TimestampsLogic(Object function, long outOfOrderness, RecordContext context) {
    this.function = (TimestampAssigner<Object>) function;
    this.outOfOrderness = outOfOrderness;
    this.context = context;
  }

  @Override
  public void process(Object record, Emitter out) throws Exception {
    long ts = function.timestamp(record);
    if (maxSeen == null || ts > maxSeen) {
      maxSeen = ts;
      long watermark = ts - outOfOrderness;
      if (offered == null || watermark > offered) {
        offered = watermark;
        pending = true;
      }
    }
    context.timestamp = ts;
    out.emit(record);
  }

  @Override
  public Long takeWatermark() {
    if (!pending) {
      return null;
    }
    pending = false;
    return offered;
  }

  @Override
  public Long onWatermark(long watermark, Emitter out) {
    return watermark >= END_OF_TIME ? watermark : null;
  }

  @Override
  public Object snapshot(long checkpointId) {
    return new Long[] {maxSeen, offered};
  }

  @Override
  public void restore(Object state, long checkpointId) {
    if (state != null) {
      Long[] s = (Long[]) state;
      maxSeen = s[0];
      offered = s[1];
    }
  }
}
