package io.colony.api.function;

import java.util.Objects;

/**
 * Names a method of a Python actor, called through an {@code ActorHandle<PyActorClass>}: {@code
 * handle.task(PyActorMethod.of("increment", Long.class), 1).remote()}.
 *
 * <p>Arguments and the result cross as for {@link PyFunction}.
 *
 * @param <R> the type {@link io.colony.api.Colony#get} returns for the call's result
 */
public final class PyActorMethod<R> {
  private final String name;
  private final Class<R> returnType;

  private PyActorMethod(String name, Class<R> returnType) {
    this.name = PyNames.check(name, "method name");
    if (name.contains(".")) {
      throw new IllegalArgumentException("'" + name + "' is not a valid Python method name");
    }
    this.returnType = Objects.requireNonNull(returnType, "returnType must not be null");
  }

  /**
   * @param name the method's name
   * @param returnType what the result is converted to ({@code Object.class}: as decoded)
   */
  public static <R> PyActorMethod<R> of(String name, Class<R> returnType) {
    return new PyActorMethod<>(name, returnType);
  }

  /** A method whose result is returned as decoded. */
  public static PyActorMethod<Object> of(String name) {
    return new PyActorMethod<>(name, Object.class);
  }

  public String getName() {
    return name;
  }

  public Class<R> getReturnType() {
    return returnType;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PyActorMethod
        && ((PyActorMethod<?>) other).name.equals(name)
        && ((PyActorMethod<?>) other).returnType.equals(returnType);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, returnType);
  }

  @Override
  public String toString() {
    return "PyActorMethod(" + name + ")";
  }
}
