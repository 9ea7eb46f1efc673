package io.colony.api.function;

import java.util.Objects;

/**
 * Names a Python actor class for a cross-language actor: the worker imports {@code module} and
 * instantiates its {@code className}. See {@code docs/xlang.md}.
 *
 * <pre>{@code
 * ActorHandle<PyActorClass> counter =
 *     Colony.actor(PyActorClass.of("my_module", "Counter"), 10).remote();
 * ObjectRef<Long> n = counter.task(PyActorMethod.of("increment", Long.class), 1).remote();
 * }</pre>
 *
 * <p>The handle of a Python actor is an {@code ActorHandle<PyActorClass>}; its methods are called
 * with {@link PyActorMethod}s (method references compile only for Java actors' handles).
 */
public final class PyActorClass {
  private final String moduleName;
  private final String className;

  private PyActorClass(String moduleName, String className) {
    this.moduleName = PyNames.check(moduleName, "module name");
    this.className = PyNames.check(className, "class name");
  }

  /**
   * @param module the module's dotted name, e.g. {@code "pkg.actors"}
   * @param className the class's name in the module
   */
  public static PyActorClass of(String module, String className) {
    return new PyActorClass(module, className);
  }

  public String getModuleName() {
    return moduleName;
  }

  public String getClassName() {
    return className;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PyActorClass
        && ((PyActorClass) other).moduleName.equals(moduleName)
        && ((PyActorClass) other).className.equals(className);
  }

  @Override
  public int hashCode() {
    return Objects.hash(moduleName, className);
  }

  @Override
  public String toString() {
    return "PyActorClass(" + moduleName + "." + className + ")";
  }
}
