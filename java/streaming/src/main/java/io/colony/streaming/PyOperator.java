package io.colony.streaming;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A Python function as an operator of a Java-built job: {@code .map(PyOperator.of("module",
 * "score"))}. The function is imported by module and (dotted) name in a Python operator actor, so
 * the module must be on the job's code search path; {@code args} (XLANG values) are bound as its
 * leading arguments. Records crossing between Java and Python operators must have an XLANG form.
 */
public final class PyOperator {
  private final String module;
  private final String name;
  private final List<Object> args;

  private PyOperator(String module, String name, List<Object> args) {
    this.module = module;
    this.name = name;
    this.args = args;
  }

  public static PyOperator of(String module, String name, Object... args) {
    if (module == null || module.isEmpty() || name == null || name.isEmpty()) {
      throw new IllegalArgumentException(
          "PyOperator.of() takes a non-empty module and function name, got "
              + module
              + ", "
              + name);
    }
    return new PyOperator(module, name, Arrays.asList(args.clone()));
  }

  public String getModule() {
    return module;
  }

  public String getName() {
    return name;
  }

  public List<Object> getArgs() {
    return args;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof PyOperator
        && ((PyOperator) o).module.equals(module)
        && ((PyOperator) o).name.equals(name)
        && ((PyOperator) o).args.equals(args);
  }

  @Override
  public int hashCode() {
    return Objects.hash(module, name, args);
  }

  @Override
  public String toString() {
    return "PyOperator(" + module + "." + name + ")";
  }
}
