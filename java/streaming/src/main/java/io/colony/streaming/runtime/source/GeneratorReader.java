package io.colony.streaming.runtime.source;

import io.colony.streaming.function.GeneratorFunction;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/** {@code GENERATOR}: a deterministic iterator; the offset is the number of records taken. */
public final class GeneratorReader implements SourceReader {
  private final GeneratorFunction<Object> function;
  private Iterator<Object> iterator;
  private long taken;

  @SuppressWarnings("unchecked")
  public GeneratorReader(Object function) {
    this.function = (GeneratorFunction<Object>) function;
  }

  @Override
  public void open(int instance, int parallelism, Object offset) throws Exception {
    iterator = function.generate(instance, parallelism);
    long skip = offset == null ? 0 : ((Number) offset).longValue();
    for (taken = 0; taken < skip && iterator.hasNext(); taken++) {
      iterator.next();
    }
  }

  @Override
  public List<Object> read(int maxRecords) {
    List<Object> out = new ArrayList<>(Math.min(maxRecords, 1024));
    while (out.size() < maxRecords && iterator.hasNext()) {
      out.add(iterator.next());
    }
    taken += out.size();
    return out.isEmpty() ? null : out;
  }

  @Override
  public Object offset() {
    return taken;
  }
}
