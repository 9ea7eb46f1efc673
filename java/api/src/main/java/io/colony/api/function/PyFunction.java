package io.colony.api.function;

import java.util.Objects;

/**
 * Names a Python function for a cross-language call: the worker imports {@code module} (found on
 * the job's code search path) and calls its {@code function}. See {@code docs/xlang.md}.
 *
 * <pre>{@code
 * PyFunction<Long> add = PyFunction.of("my_module", "add", Long.class);
 * ObjectRef<Long> sum = Colony.task(add, 1, 2).remote();
 * }</pre>
 *
 * <p>Arguments and the result cross in the XLANG format: {@code null}, booleans, integers, floats,
 * strings, {@code byte[]}, lists and arrays, maps, {@link io.colony.api.ObjectRef}s and {@link
 * io.colony.api.ActorHandle}s. The result is converted to {@code returnType} where a simple
 * conversion exists (a Python {@code int} to {@code Integer}, a list to an array, ...), and
 * returned as decoded otherwise ({@code Long}, {@code BigInteger}, {@code Double}, {@code String},
 * {@code byte[]}, {@code ArrayList}, {@code LinkedHashMap}).
 *
 * @param <R> the type {@link io.colony.api.Colony#get} returns for the call's result
 */
public final class PyFunction<R> {
  private final String moduleName;
  private final String functionName;
  private final Class<R> returnType;

  private PyFunction(String moduleName, String functionName, Class<R> returnType) {
    this.moduleName = PyNames.check(moduleName, "module name");
    this.functionName = PyNames.check(functionName, "function name");
    this.returnType = Objects.requireNonNull(returnType, "returnType must not be null");
  }

  /**
   * @param module the module's dotted name, e.g. {@code "pkg.jobs"}
   * @param function the function's name in the module (a qualified name such as {@code
   *     "Outer.helper"} for a static method)
   * @param returnType what the result is converted to ({@code Object.class}: as decoded)
   */
  public static <R> PyFunction<R> of(String module, String function, Class<R> returnType) {
    return new PyFunction<>(module, function, returnType);
  }

  /** A function whose result is returned as decoded. */
  public static PyFunction<Object> of(String module, String function) {
    return new PyFunction<>(module, function, Object.class);
  }

  public String getModuleName() {
    return moduleName;
  }

  public String getFunctionName() {
    return functionName;
  }

  public Class<R> getReturnType() {
    return returnType;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PyFunction
        && ((PyFunction<?>) other).moduleName.equals(moduleName)
        && ((PyFunction<?>) other).functionName.equals(functionName)
        && ((PyFunction<?>) other).returnType.equals(returnType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(moduleName, functionName, returnType);
  }

  @Override
  public String toString() {
    return "PyFunction(" + moduleName + "." + functionName + ")";
  }
}
