package io.colony.api.exception;

/**
 * A task or actor method threw an exception.
 *
 * <p>{@link #getCause()} is the original exception when it could be serialized (it then has its
 * own, remote, stack trace); {@link #getRemoteStackTrace()} always has the remote stack trace as
 * text, and {@link #getCauseClassName()} the original exception's class.
 */
public class ColonyTaskException extends ColonyException {
  private static final long serialVersionUID = 1L;

  private final String functionName;
  private final String causeClassName;
  private final String remoteStackTrace;

  public ColonyTaskException(
      String functionName, String causeClassName, String remoteStackTrace, Throwable cause) {
    super(message(functionName, causeClassName, remoteStackTrace), cause);
    this.functionName = functionName;
    this.causeClassName = causeClassName;
    this.remoteStackTrace = remoteStackTrace;
  }

  /** The task's name, by default {@code Class.method}. */
  public String getFunctionName() {
    return functionName;
  }

  public String getCauseClassName() {
    return causeClassName;
  }

  public String getRemoteStackTrace() {
    return remoteStackTrace;
  }

  private static String message(String functionName, String causeClassName, String trace) {
    return "task "
        + functionName
        + " failed with "
        + causeClassName
        + ":\n"
        + trace.stripTrailing();
  }
}
