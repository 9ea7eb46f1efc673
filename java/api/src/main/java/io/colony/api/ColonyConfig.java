package io.colony.api;

import java.io.File;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * How {@link Colony#init(ColonyConfig)} reaches a cluster. Without an address it starts a local one
 * (a GCS and a raylet on this machine, stopped by {@link Colony#shutdown()}).
 *
 * <p>{@link #fromSystem()} reads, system property first, then environment variable:
 *
 * <ul>
 *   <li>{@code colony.address} / {@code COLONY_ADDRESS}: {@code HOST:PORT} of a GCS, or {@code
 *       auto} for the cluster {@code colony start} started on this machine
 *   <li>{@code colony.namespace} / {@code COLONY_NAMESPACE}
 *   <li>{@code colony.num-cpus} / {@code COLONY_NUM_CPUS}: CPUs of a new local cluster
 *   <li>{@code colony.job.code-search-path} / {@code COLONY_CODE_SEARCH_PATH}: where workers find
 *       the job's classes ({@link File#pathSeparator}-separated; default: this JVM's class path)
 *   <li>{@code colony.log-to-driver} / {@code COLONY_LOG_TO_DRIVER}: {@code false} keeps what the
 *       job's tasks and actors print off this process's stdout and stderr (default true)
 * </ul>
 */
public final class ColonyConfig {
  private final String address;
  private final String namespace;
  private final Integer numCpus;
  private final List<String> codeSearchPath;
  private final String nodeIp;
  private final boolean logToDriver;

  private ColonyConfig(Builder builder) {
    this.address = builder.address;
    this.namespace = builder.namespace;
    this.numCpus = builder.numCpus;
    this.codeSearchPath = List.copyOf(builder.codeSearchPath);
    this.nodeIp = builder.nodeIp;
    this.logToDriver = builder.logToDriver;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The configuration given by system properties and environment variables. */
  public static ColonyConfig fromSystem() {
    return fromSources(System::getProperty, System::getenv);
  }

  static ColonyConfig fromSources(UnaryOperator<String> properties, UnaryOperator<String> env) {
    Builder builder = builder();
    String address = lookup(properties, env, "colony.address", "COLONY_ADDRESS");
    if (address != null) {
      builder.setAddress(address);
    }
    String namespace = lookup(properties, env, "colony.namespace", "COLONY_NAMESPACE");
    if (namespace != null) {
      builder.setNamespace(namespace);
    }
    String numCpus = lookup(properties, env, "colony.num-cpus", "COLONY_NUM_CPUS");
    if (numCpus != null) {
      builder.setNumCpus(parseCount("colony.num-cpus", numCpus));
    }
    String path = lookup(properties, env, "colony.job.code-search-path", "COLONY_CODE_SEARCH_PATH");
    if (path != null) {
      for (String entry : path.split(File.pathSeparator)) {
        if (!entry.isEmpty()) {
          builder.addCodeSearchPath(entry);
        }
      }
    }
    String logToDriver = lookup(properties, env, "colony.log-to-driver", "COLONY_LOG_TO_DRIVER");
    if (logToDriver != null) {
      builder.setLogToDriver(parseBoolean("colony.log-to-driver", logToDriver));
    }
    return builder.build();
  }

  private static boolean parseBoolean(String name, String text) {
    switch (text.trim().toLowerCase()) {
      case "true":
      case "1":
        return true;
      case "false":
      case "0":
        return false;
      default:
        throw new IllegalArgumentException(name + " must be true or false, got '" + text + "'");
    }
  }

  private static String lookup(
      UnaryOperator<String> properties, UnaryOperator<String> env, String property, String var) {
    String value = properties.apply(property);
    if (value == null || value.isEmpty()) {
      value = env.apply(var);
    }
    return value == null || value.isEmpty() ? null : value;
  }

  private static int parseCount(String name, String text) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " must be a whole number, got '" + text + "'");
    }
  }

  /** {@code HOST:PORT}, {@code auto}, or null to start a local cluster. */
  public String getAddress() {
    return address;
  }

  /** Null for a fresh anonymous namespace. */
  public String getNamespace() {
    return namespace;
  }

  /** CPUs of a new local cluster; null for the machine's hardware threads. */
  public Integer getNumCpus() {
    return numCpus;
  }

  /** Empty for this JVM's class path. */
  public List<String> getCodeSearchPath() {
    return codeSearchPath;
  }

  /** The address this process and a new local cluster use. */
  public String getNodeIp() {
    return nodeIp;
  }

  /** Whether what the job's tasks and actors print appears on this driver's stdout and stderr. */
  public boolean isLogToDriver() {
    return logToDriver;
  }

  /** Collects and checks the configuration. */
  public static final class Builder {
    private String address;
    private String namespace;
    private Integer numCpus;
    private final List<String> codeSearchPath = new ArrayList<>();
    private String nodeIp = "127.0.0.1";
    private boolean logToDriver = true;

    private Builder() {}

    public Builder setAddress(String address) {
      if (address == null || !(address.equals("auto") || address.matches("[^:\\s]+:\\d{1,5}"))) {
        throw new IllegalArgumentException(
            "address must be 'HOST:PORT' or 'auto', got " + quote(address));
      }
      this.address = address;
      return this;
    }

    public Builder setNamespace(String namespace) {
      if (namespace == null || namespace.isBlank()) {
        throw new IllegalArgumentException("namespace must be a non-empty string");
      }
      this.namespace = namespace;
      return this;
    }

    public Builder setNumCpus(int numCpus) {
      if (numCpus < 0) {
        throw new IllegalArgumentException("numCpus must be >= 0, got " + numCpus);
      }
      this.numCpus = numCpus;
      return this;
    }

    public Builder addCodeSearchPath(String path) {
      if (path == null || path.isBlank()) {
        throw new IllegalArgumentException("a code search path entry must be non-empty");
      }
      codeSearchPath.add(path);
      return this;
    }

    public Builder setNodeIp(String nodeIp) {
      if (nodeIp == null || nodeIp.isBlank()) {
        throw new IllegalArgumentException("nodeIp must be a non-empty string");
      }
      this.nodeIp = nodeIp;
      return this;
    }

    /** False keeps workers' output off this driver's terminal (docs/observability.md). */
    public Builder setLogToDriver(boolean logToDriver) {
      this.logToDriver = logToDriver;
      return this;
    }

    /** Rejects settings of a new local cluster combined with the address of an existing one. */
    public ColonyConfig build() {
      if (address != null && numCpus != null) {
        throw new IllegalArgumentException(
            "numCpus describes a new local cluster; it cannot be given when joining the "
                + "cluster at address '"
                + address
                + "'");
      }
      return new ColonyConfig(this);
    }

    private static String quote(String s) {
      return s == null ? "null" : "'" + s + "'";
    }
  }
}
