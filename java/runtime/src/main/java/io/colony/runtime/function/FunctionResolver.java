package io.colony.runtime.function;

import io.colony.api.exception.ColonyException;
import io.colony.runtime.generated.Common.JavaFunctionDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Finds the method or constructor a {@link JavaFunctionDescriptor} names; caches results. */
public final class FunctionResolver {
  static final String CONSTRUCTOR_NAME = "<init>";

  private final ClassLoader classLoader;
  private final Map<JavaFunctionDescriptor, JavaFunction> cache = new ConcurrentHashMap<>();

  /**
   * @param classLoader loads the classes descriptors name (a worker's job classes)
   */
  public FunctionResolver(ClassLoader classLoader) {
    this.classLoader = classLoader;
  }

  public ClassLoader classLoader() {
    return classLoader;
  }

  /**
   * @throws ColonyException if the class or the method is not found
   */
  public JavaFunction resolve(JavaFunctionDescriptor descriptor) {
    return cache.computeIfAbsent(descriptor, this::find);
  }

  private JavaFunction find(JavaFunctionDescriptor descriptor) {
    Class<?> cls = loadClass(descriptor.getClassName());
    Executable executable = findExecutable(cls, descriptor);
    if (executable == null) {
      throw new ColonyException(
          "class "
              + cls.getName()
              + " has no method "
              + descriptor.getMethodName()
              + descriptor.getSignature()
              + " (is the worker's code older than the caller's?)");
    }
    return new JavaFunction(descriptor, executable);
  }

  private Class<?> loadClass(String name) {
    try {
      return Class.forName(name, true, classLoader);
    } catch (ClassNotFoundException | LinkageError e) {
      throw new ColonyException(
          "could not load class " + name + ": is it on the job's code search path? " + e, e);
    }
  }

  private static Executable findExecutable(Class<?> cls, JavaFunctionDescriptor descriptor) {
    String name = descriptor.getMethodName();
    String signature = descriptor.getSignature();
    if (name.equals(CONSTRUCTOR_NAME)) {
      for (Constructor<?> constructor : cls.getDeclaredConstructors()) {
        if (JavaFunction.signatureOf(constructor).equals(signature)) {
          return constructor;
        }
      }
      return null;
    }
    // Declared methods up the superclass chain, then public ones (interface defaults).
    for (Class<?> c = cls; c != null; c = c.getSuperclass()) {
      Method method = match(c.getDeclaredMethods(), name, signature);
      if (method != null) {
        return method;
      }
    }
    return match(cls.getMethods(), name, signature);
  }

  private static Method match(Method[] methods, String name, String signature) {
    for (Method method : methods) {
      if (method.getName().equals(name) && JavaFunction.signatureOf(method).equals(signature)) {
        return method;
      }
    }
    return null;
  }
}
