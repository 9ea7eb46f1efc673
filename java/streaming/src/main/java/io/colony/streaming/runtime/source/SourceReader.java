package io.colony.streaming.runtime.source;

import java.util.List;

/** How a source instance reads: from an offset, in batches; null once exhausted. */
public interface SourceReader {
  void open(int instance, int parallelism, Object offset) throws Exception;

  List<Object> read(int maxRecords) throws Exception;

  Object offset();

  default void close() throws Exception {}
}
