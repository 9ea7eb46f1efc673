/**
 * The JNI plumbing: every {@code native} method ({@link io.colony.runtime.jni.NativeCoreWorker})
 * and every class the C++ side names or calls back ({@code src/core_cpp/jni/colony_jni.cc}). The
 * JNI symbol and class names there spell this package, so classes here move only together with
 * that file.
 */
package io.colony.runtime.jni;
