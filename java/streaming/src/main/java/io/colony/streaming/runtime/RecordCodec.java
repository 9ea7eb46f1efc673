package io.colony.streaming.runtime;

import java.util.List;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;

/**
 * The records of a batch between two Java instances ({@code "encoding": "FORY"}): one Fory
 * buffer for the whole batch, written without reference tracking (records are data; a record that
 * holds the same object twice gets two copies, as in XLANG). Cheaper than letting the actor call
 * serialize the list with the runtime's reference-tracking Fory. Only Java reads it: batches to
 * Python instances stay XLANG.
 */
final class RecordCodec {
  static final String ENCODING = "FORY";

  private final ThreadSafeFory fory;

  RecordCodec(ClassLoader loader) {
    fory =
        Fory.builder()
            .withLanguage(Language.JAVA)
            .withRefTracking(false)
            .requireClassRegistration(false)
            .suppressClassRegistrationWarnings(true)
            .withClassLoader(loader)
            .buildThreadSafeFory();
  }

  byte[] encode(List<Object> records) {
    return fory.serialize(records);
  }

  List<?> decode(byte[] data) {
    Object value = fory.deserialize(data);
    if (!(value instanceof List)) {
      throw new IllegalArgumentException("a FORY batch does not hold a list of records");
    }
    return (List<?>) value;
  }
}
