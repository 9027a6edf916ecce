package org.causalrec.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A {@code causalrec serve} node as a process of its own, on this JVM's class path, joined to a
 * cluster on loopback: how the cluster benchmark (and the cluster's test) start their nodes.
 */
final class NodeProcess {

  private NodeProcess() {}

  /**
   * A started node.
   *
   * @param process the node's process
   * @param url completes with its base URL once it listens; fails when it exits or takes 5 minutes
   * @param log where its output goes
   */
  record Started(Process process, CompletableFuture<String> url, Path log) {}

  /**
   * Starts node {@code name} with {@code role}, its data directory and log under {@code dir}, a
   * heap of {@code heap} (as {@code -Xmx} takes it) and {@code env} on top of this environment.
   */
  static Started start(Path dir, String name, String role, String heap, Map<String, String> env)
      throws IOException {
    Path log = dir.resolve(name + ".log");
    ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + heap, "-cp", System.getProperty("java.class.path"), "org.causalrec.App", "serve",
        "--data-dir", dir.resolve(name).toString(), "--port", "0", "--role", role)
        .redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    CompletableFuture<String> url = CompletableFuture.supplyAsync(() -> {
      long deadline = System.currentTimeMillis() + 300_000;
      while (System.currentTimeMillis() < deadline && p.isAlive()) {
        try {
          for (String line : Files.readAllLines(log)) {
            if (line.startsWith("CausalRec listening on ")) {
              return line.substring("CausalRec listening on ".length()).strip();
            }
          }
          Thread.sleep(200);
        } catch (IOException | InterruptedException e) {
          throw new IllegalStateException(e);
        }
      }
      throw new IllegalStateException(name + " did not start; see " + log);
    });
    return new Started(p, url, log);
  }

  /**
   * The settings of a member of cluster {@code cluster} on loopback: the shared database
   * {@code pg}, its name, its Hazelcast port, the member list; text features and automatic
   * retraining off.
   */
  static Map<String, String> member(String pg, String cluster, String name, int port, String members) {
    Map<String, String> env = new HashMap<>();
    env.put("CAUSALREC_PG_URL", pg);
    env.put("CAUSALREC_CLUSTER_NAME", cluster);
    env.put("CAUSALREC_CLUSTER_NODE_NAME", name);
    env.put("CAUSALREC_CLUSTER_HOST", "127.0.0.1");
    env.put("CAUSALREC_CLUSTER_PORT", Integer.toString(port));
    env.put("CAUSALREC_CLUSTER_MEMBERS", members);
    env.put("CAUSALREC_TEXT_PROVIDER", "off");
    env.put("CAUSALREC_HTTP_HOST", "127.0.0.1");
    env.put("CAUSALREC_MODELS_RETRAIN_AFTER_EVENTS", "0");
    return env;
  }
}
