package io.colony.runtime.cluster;

import io.colony.api.exception.ColonyException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where an existing cluster's GCS is and its token. {@code auto} and the token fallback read the
 * file {@code colony start} writes ({@code current_cluster.json} in the user's private folder,
 * {@link StateDir}), as the Python driver does.
 */
public record ClusterAddress(String gcsAddress, String token) {
  public static final String TOKEN_PROPERTY = "colony.token";
  public static final String TOKEN_ENV = "COLONY_CLUSTER_TOKEN";

  /** Resolves {@code HOST:PORT} or {@code auto} with the real environment. */
  public static ClusterAddress resolve(String address) {
    Path file = clusterFile(System.getenv());
    if (Files.exists(file)) {
      StateDir.ensure(file.getParent()); // a folder of another user is not trusted
    }
    return resolve(address, System::getProperty, System::getenv, file);
  }

  static ClusterAddress resolve(
      String address, UnaryOperator<String> props, UnaryOperator<String> env, Path clusterFile) {
    String file = readFile(clusterFile);
    String fileAddress = file == null ? null : field(file, "gcs_address");
    if (address.equals("auto")) {
      if (fileAddress == null) {
        throw new ColonyException(
            "address 'auto' found no running cluster ("
                + clusterFile
                + "); start one with "
                + "'colony start --head'");
      }
      address = fileAddress;
    }
    String token = nonEmpty(props.apply(TOKEN_PROPERTY));
    if (token == null) {
      token = nonEmpty(env.apply(TOKEN_ENV));
    }
    if (token == null && address.equals(fileAddress)) {
      token = field(file, "token");
    }
    return new ClusterAddress(address, token == null ? "" : token);
  }

  static Path clusterFile(Map<String, String> env) {
    return StateDir.path(env).resolve("current_cluster.json");
  }

  private static String readFile(Path path) {
    try {
      return Files.readString(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      return null;
    }
  }

  /** A string field of the flat JSON object that file holds. */
  static String field(String json, String name) {
    Matcher m =
        Pattern.compile("\"" + Pattern.quote(name) + "\"\\s*:\\s*\"([^\"]*)\"").matcher(json);
    return m.find() ? m.group(1) : null;
  }

  private static String nonEmpty(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
