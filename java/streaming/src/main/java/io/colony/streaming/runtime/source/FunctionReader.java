package io.colony.streaming.runtime.source;

import io.colony.streaming.function.SourceFunction;
import java.util.ArrayList;
import java.util.List;

/** {@code FUNCTION}: a user {@link SourceFunction} with its own offsets. */
public final class FunctionReader implements SourceReader {
  private final SourceFunction<Object> function;

  @SuppressWarnings("unchecked")
  public FunctionReader(Object function) {
    this.function = (SourceFunction<Object>) function;
  }

  @Override
  public void open(int instance, int parallelism, Object offset) throws Exception {
    function.open(instance, parallelism, offset);
  }

  @Override
  public List<Object> read(int maxRecords) throws Exception {
    List<Object> records = function.read(maxRecords);
    return records == null ? null : new ArrayList<>(records);
  }

  @Override
  public Object offset() {
    return function.offset();
  }

  @Override
  public void close() throws Exception {
    function.close();
  }
}
