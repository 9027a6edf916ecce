package org.causalrec.cli;

import java.util.concurrent.Callable;
import org.causalrec.store.StoreHandle;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import org.causalrec.server.Server;
import org.causalrec.config.ClusterConfig;
import org.causalrec.config.Config;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code causalrec serve}: run the server until stopped. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the CausalRec server.")
public final class ServeCommand implements Callable<Integer> {

  @Mixin
  CommonOptions common;

  @Mixin
  PortOptions port;

  @Option(names = "--role", paramLabel = "ROLE",
      description = "all (one process), api (serves; training goes to a trainer) or trainer;"
          + " api and trainer join a cluster (or CAUSALREC_CLUSTER_ROLE)")
  String role;

  @Override
  public Integer call() throws InterruptedException {
    runUntilStopped(withRole(port.applyTo(common.config())), null, null);
    return 0;
  }

  /** The configuration with the role given on the command line, which implies a cluster when not all. */
  private Config withRole(Config config) {
    if (role == null) {
      return config;
    }
    ClusterConfig c = config.cluster();
    boolean enabled = c.enabled() || !role.equalsIgnoreCase("all");
    return config.toBuilder().setCluster(new ClusterConfig(enabled, role, c.name(), c.nodeName(), c.host(), c.port(),
        c.members(), c.kubernetesService())).build();
  }

  /**
   * Opens the store, runs {@code beforeServing} on it, serves, runs {@code afterStart}, and blocks
   * until the JVM is stopped.
   */
  static void runUntilStopped(Config config, Consumer<StoreHandle> beforeServing, Consumer<Server> afterStart)
      throws InterruptedException {
    StoreHandle store = StoreHandle.open(config);
    CountDownLatch stopped = new CountDownLatch(1);
    Server server;
    try {
      if (beforeServing != null) {
        beforeServing.accept(store);
      }
      server = Server.start(config, store);
    } catch (RuntimeException e) {
      store.close();
      throw e;
    }
    // on SIGTERM the store's shutdown hook stops the node (it drains its requests), then itself
    store.closeFirst(() -> {
      server.close();
      stopped.countDown();
    });
    if (afterStart != null) {
      afterStart.accept(server);
    }
    System.out.println("CausalRec listening on " + server.baseUrl());
    System.out.flush();
    stopped.await();
  }
}
