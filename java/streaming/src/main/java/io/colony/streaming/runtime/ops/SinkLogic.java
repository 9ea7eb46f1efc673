package io.colony.streaming.runtime.ops;

import io.colony.streaming.function.Sink;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code SINK}, two-phase: records since the previous barrier are staged at each barrier as that
 * checkpoint's transaction (kept in the snapshot) and committed once the checkpoint is complete. A
 * restore commits the snapshot's staged transactions again (commits are idempotent).
 */
public final class SinkLogic implements OperatorLogic {
  private final Sink<Object> sink;
  private final boolean keepsRecords;
  private List<Object> buffer = new ArrayList<>();
  // [checkpoint id, transaction] staged and not yet committed, oldest first.
  private final List<Object[]> staged = new ArrayList<>();

  @SuppressWarnings("unchecked")
  public SinkLogic(Object sink) {
    this.sink = (Sink<Object>) sink;
    this.keepsRecords = this.sink.keepsRecords();
  }

  public void open(int instance, int parallelism) throws Exception {
    sink.open(instance, parallelism);
  }

  @Override
  public void process(Object record, Emitter out) {
    if (keepsRecords) {
      buffer.add(record);
    }
  }

  @Override
  public Object snapshot(long checkpointId) throws Exception {
    Object transaction = sink.stage(checkpointId, buffer);
    buffer = new ArrayList<>();
    staged.add(new Object[] {checkpointId, transaction});
    List<Object[]> copy = new ArrayList<>();
    for (Object[] t : staged) {
      copy.add(t.clone());
    }
    return copy;
  }

  @Override
  @SuppressWarnings("unchecked")
  public void restore(Object state, long checkpointId) throws Exception {
    if (state == null) {
      return;
    }
    for (Object[] t : (List<Object[]>) state) {
      if ((Long) t[0] <= checkpointId) {
        sink.commit(t[1]);
      }
    }
  }

  @Override
  public void commit(long checkpointId) throws Exception {
    while (!staged.isEmpty() && (Long) staged.get(0)[0] <= checkpointId) {
      sink.commit(staged.remove(0)[1]);
    }
  }

  @Override
  public void close() throws Exception {
    sink.close();
  }
}
