package io.colony.api.function;

/** Checks the names of Python modules, functions, classes and methods. */
final class PyNames {
  private PyNames() {}

  /** A non-empty dotted name of identifiers, e.g. {@code pkg.mod} or {@code Outer.f}. */
  static String check(String name, String what) {
    if (name == null || name.isEmpty()) {
      throw new IllegalArgumentException("a Python " + what + " must be a non-empty string");
    }
    for (String part : name.split("\\.", -1)) {
      if (!isIdentifier(part)) {
        throw new IllegalArgumentException(
            "'" + name + "' is not a valid Python " + what + " (dotted identifiers expected)");
      }
    }
    return name;
  }

  private static boolean isIdentifier(String part) {
    if (part.isEmpty()) {
      return false;
    }
    int first = part.codePointAt(0);
    if (!(Character.isLetter(first) || first == '_')) {
      return false;
    }
    return part.codePoints().allMatch(c -> Character.isLetterOrDigit(c) || c == '_');
  }
}
