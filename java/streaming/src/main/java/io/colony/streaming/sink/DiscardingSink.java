package io.colony.streaming.sink;

import io.colony.streaming.function.Sink;
import java.util.List;

/** Drops every record (benchmarks; the sink's records_in metric still counts them). */
public final class DiscardingSink<T> implements Sink<T> {
  public DiscardingSink() {}

  @Override
  public Object stage(long checkpointId, List<T> records) {
    return null;
  }

  @Override
  public void commit(Object transaction) {}

  @Override
  public boolean keepsRecords() {
    return false;
  }
}
