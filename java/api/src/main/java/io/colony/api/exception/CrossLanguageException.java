package io.colony.api.exception;

/**
 * An error that crossed from another language, or a value Java cannot read.
 *
 * <p>When a Python task or actor method called from Java raises (or a Java task called from Python
 * throws and the error reaches Java through a ref), the error value is an XLANG map ({@code
 * docs/xlang.md}, "Errors that cross"), and this exception carries its fields: {@link
 * #getLanguage()} ({@code "PYTHON"} or {@code "JAVA"}), {@link #getTypeName()} (the exception's
 * class), {@link #getRemoteMessage()} and {@link #getRemoteStackTrace()} (the formatted trace).
 *
 * <p>For a value of another language that Java cannot read (a pickled Python object) only the
 * message is set; the other getters return null.
 */
public class CrossLanguageException extends ColonyException {
  private static final long serialVersionUID = 1L;

  private final String language;
  private final String typeName;
  private final String remoteMessage;
  private final String remoteStackTrace;

  /** A value or error of another language that could not be read; {@code message} says which. */
  public CrossLanguageException(String message) {
    super(message);
    this.language = null;
    this.typeName = null;
    this.remoteMessage = null;
    this.remoteStackTrace = null;
  }

  /**
   * An exception raised in {@code language}.
   *
   * @param language {@code "PYTHON"} or {@code "JAVA"}
   * @param typeName the exception's class name, e.g. {@code ValueError}
   * @param remoteMessage its message, possibly empty
   * @param remoteStackTrace its formatted stack trace, possibly empty
   */
  public CrossLanguageException(
      String language, String typeName, String remoteMessage, String remoteStackTrace) {
    super(message(language, typeName, remoteMessage, remoteStackTrace));
    this.language = language;
    this.typeName = typeName;
    this.remoteMessage = remoteMessage;
    this.remoteStackTrace = remoteStackTrace;
  }

  /** {@code "PYTHON"} or {@code "JAVA"}: where the exception was raised; null if unknown. */
  public String getLanguage() {
    return language;
  }

  /** The remote exception's class name, e.g. {@code ValueError}; null if unknown. */
  public String getTypeName() {
    return typeName;
  }

  /** The remote exception's own message; null if unknown. */
  public String getRemoteMessage() {
    return remoteMessage;
  }

  /** The remote stack trace as the other language formatted it; null if unknown. */
  public String getRemoteStackTrace() {
    return remoteStackTrace;
  }

  private static String message(String language, String type, String message, String stack) {
    StringBuilder text = new StringBuilder();
    text.append(language).append(" exception ").append(type);
    if (message != null && !message.isEmpty()) {
      text.append(": ").append(message);
    }
    if (stack != null && !stack.isBlank()) {
      text.append('\n').append(stack.stripTrailing());
    }
    return text.toString();
  }
}
