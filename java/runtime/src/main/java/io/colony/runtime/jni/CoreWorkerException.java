package io.colony.runtime.jni;

import io.colony.api.exception.ColonyException;

/**
 * A core worker call failed with a non-OK C++ {@code Status}. Thrown by the native methods of
 * {@link NativeCoreWorker}, which construct it through {@code (ILjava/lang/String;)V}.
 */
public class CoreWorkerException extends ColonyException {
  private static final long serialVersionUID = 1L;

  private final StatusCode code;

  public CoreWorkerException(int code, String message) {
    super(message);
    this.code = StatusCode.fromNumber(code);
  }

  public StatusCode code() {
    return code;
  }
}
