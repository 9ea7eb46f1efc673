package io.colony.runtime.function;

import io.colony.api.exception.ColonyException;
import io.colony.runtime.generated.Common.JavaFunctionDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the method or constructor a {@link JavaFunctionDescriptor} names; caches results.
 *
 * <p>A descriptor with a JVM signature (from a Java caller) names one method exactly. One with an
 * empty signature (from a Python caller, {@code docs/xlang.md}) names "the only public method of
 * that name and arity": see {@link #resolve(JavaFunctionDescriptor, int, Kind)}.
 */
public final class FunctionResolver {
  static final String CONSTRUCTOR_NAME = "<init>";

  /** What a descriptor without a signature may name. */
  public enum Kind {
    /** A normal task: a public static method. */
    STATIC,
    /** An actor method: a public instance method (the actor is the receiver). */
    INSTANCE,
    /** An actor creation: a public constructor ({@code <init>}) or static factory method. */
    CREATION
  }

  private record ArityKey(JavaFunctionDescriptor descriptor, int arity, Kind kind) {}

  private final ClassLoader classLoader;
  private final Map<JavaFunctionDescriptor, JavaFunction> cache = new ConcurrentHashMap<>();
  private final Map<ArityKey, JavaFunction> byArity = new ConcurrentHashMap<>();

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

  /**
   * Like {@link #resolve(JavaFunctionDescriptor)}, but a descriptor with an empty signature picks
   * the only public method (of {@code kind}) with that name taking {@code arity} arguments
   * (receiver not counted); {@code <init>} names a constructor.
   *
   * @throws ColonyException if the class is not found, or no method or several methods fit (the
   *     message lists the methods of that name)
   */
  public JavaFunction resolve(JavaFunctionDescriptor descriptor, int arity, Kind kind) {
    if (!descriptor.getSignature().isEmpty()) {
      return resolve(descriptor);
    }
    return byArity.computeIfAbsent(
        new ArityKey(descriptor, arity, kind), key -> findByArity(descriptor, arity, kind));
  }

  private JavaFunction findByArity(JavaFunctionDescriptor descriptor, int arity, Kind kind) {
    Class<?> cls = loadClass(descriptor.getClassName());
    String name = descriptor.getMethodName();
    List<Executable> named = new ArrayList<>();
    String what;
    if (name.equals(CONSTRUCTOR_NAME)) {
      if (kind != Kind.CREATION) {
        throw new ColonyException(
            "a constructor of "
                + cls.getName()
                + " can only create an actor, not run as a "
                + (kind == Kind.STATIC ? "task" : "actor method"));
      }
      named.addAll(Arrays.asList(cls.getConstructors()));
      what = "public constructor";
    } else {
      boolean wantStatic = kind != Kind.INSTANCE;
      for (Method method : cls.getMethods()) {
        if (method.getName().equals(name)
            && !method.isBridge()
            && !method.isSynthetic()
            && Modifier.isStatic(method.getModifiers()) == wantStatic) {
          named.add(method);
        }
      }
      what = (wantStatic ? "public static method " : "public instance method ") + name;
    }
    List<Executable> fitting = new ArrayList<>();
    for (Executable executable : named) {
      if (executable.getParameterCount() == arity) {
        fitting.add(executable);
      }
    }
    if (fitting.size() == 1) {
      return new JavaFunction(descriptor, fitting.get(0));
    }
    String list = describe(named);
    if (fitting.isEmpty()) {
      throw new ColonyException(
          "class "
              + cls.getName()
              + " has no "
              + what
              + " taking "
              + arity
              + " argument(s)"
              + (named.isEmpty() ? "" : "; there are: " + list));
    }
    throw new ColonyException(
        "class "
            + cls.getName()
            + " has "
            + fitting.size()
            + " overloads of "
            + what
            + " taking "
            + arity
            + " argument(s): "
            + describe(fitting)
            + "; a call without a signature (from Python) needs exactly one");
  }

  private static String describe(List<Executable> executables) {
    List<String> texts = new ArrayList<>();
    for (Executable executable : executables) {
      StringBuilder text = new StringBuilder();
      text.append(
          executable instanceof Method
              ? executable.getName()
              : executable.getDeclaringClass().getSimpleName());
      text.append('(');
      Class<?>[] parameters = executable.getParameterTypes();
      for (int i = 0; i < parameters.length; i++) {
        text.append(i > 0 ? ", " : "").append(parameters[i].getTypeName());
      }
      texts.add(text.append(')').toString());
    }
    texts.sort(null);
    return String.join(", ", texts);
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
