package io.colony.api.function;

import java.io.Serializable;

/**
 * Common parent of the functional interfaces that name a remote function.
 *
 * <p>Every one is {@link Serializable}: the compiler then gives each method reference a {@code
 * writeReplace} method returning a {@link java.lang.invoke.SerializedLambda}, from which the
 * runtime reads the class, method name and signature that it sends to the worker. Only the name
 * travels, never code, so the method must be a method reference ({@code MyJob::square}, {@code
 * Counter::new}), not a lambda.
 */
public interface ColonyFunc extends Serializable {}
