package io.colony.streaming.runtime.source;

import java.util.ArrayList;
import java.util.List;

/** {@code COLLECTION}: the plan's elements, dealt round robin; the offset is an index. */
public final class CollectionReader implements SourceReader {
  private final List<?> elements;
  private List<Object> mine = List.of();
  private int position;

  public CollectionReader(List<?> elements) {
    this.elements = elements;
  }

  @Override
  public void open(int instance, int parallelism, Object offset) {
    mine = new ArrayList<>();
    for (int i = instance; i < elements.size(); i += parallelism) {
      mine.add(elements.get(i));
    }
    position = offset == null ? 0 : ((Number) offset).intValue();
  }

  @Override
  public List<Object> read(int maxRecords) {
    if (position >= mine.size()) {
      return null;
    }
    int end = Math.min(mine.size(), position + maxRecords);
    List<Object> out = new ArrayList<>(mine.subList(position, end));
    position = end;
    return out;
  }

  @Override
  public Object offset() {
    return (long) position;
  }
}
