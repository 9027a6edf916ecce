package org.causalrec.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Running as one of several nodes over one PostgreSQL (YAML {@code cluster:}). With
 * {@code enabled}, the nodes join one Vert.x event bus through Hazelcast: a version trained on one
 * node is announced to every node, and training asked of an API node goes to a trainer.
 *
 * @param enabled whether this node joins a cluster
 * @param role {@code all} (serves the API and trains: one process), {@code api} (serves the API;
 *     training it is asked for goes to a trainer) or {@code trainer} (trains, follows the event
 *     stream for its retraining trigger, and serves the API too, for operators)
 * @param name the cluster's name: nodes with another name never join it
 * @param nodeName this node's name, unique in the cluster (null: the host's name): the event
 *     stream's position, jobs and training runs are recorded under it, and a node that starts again
 *     under the same name marks what it left running as interrupted
 * @param host the interface the cluster and event-bus connections use (an address the other
 *     nodes reach)
 * @param port Hazelcast's member port (the event bus takes a free port on the same interface)
 * @param members {@code host} or {@code host:port} of the other members to join over TCP; empty:
 *     only this node, unless Kubernetes discovery is on
 * @param kubernetesService a headless Kubernetes service's DNS name whose addresses are the
 *     members (Hazelcast's Kubernetes discovery); empty: not on Kubernetes
 */
public record ClusterConfig(boolean enabled, String role, String name, String nodeName, String host, int port,
    List<String> members, String kubernetesService) {

  /** The roles a node can take. */
  public static final Set<String> ROLES = Set.of("all", "api", "trainer");

  public ClusterConfig {
    role = role.toLowerCase(Locale.ROOT);
    if (!ROLES.contains(role)) {
      throw new IllegalArgumentException("cluster.role must be all, api or trainer: " + role);
    }
    if (name == null || !name.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new IllegalArgumentException("cluster.name must be 1 to 64 letters, digits, '.', '_' or '-': " + name);
    }
    if (nodeName == null || nodeName.isBlank()) {
      nodeName = defaultNodeName();
    }
    if (!nodeName.matches("[A-Za-z0-9._@:-]{1,100}")) {
      throw new IllegalArgumentException(
          "cluster.node_name must be 1 to 100 letters, digits, '.', '_', '@', ':' or '-': " + nodeName);
    }
    if (port < 1 || port > 65_535) {
      throw new IllegalArgumentException("cluster.port must be in 1..65535: " + port);
    }
    members = List.copyOf(members);
    for (String m : members) {
      if (!m.matches("[A-Za-z0-9._-]+(:[0-9]{1,5})?")) {
        throw new IllegalArgumentException("cluster.members: not host or host:port: " + m);
      }
    }
    kubernetesService = kubernetesService == null || kubernetesService.isBlank() ? null : kubernetesService;
    if (!enabled && !role.equals("all")) {
      throw new IllegalArgumentException("cluster.role " + role + " needs cluster.enabled: a node alone has all roles");
    }
  }

  /** One process with every role: no cluster. */
  public static ClusterConfig defaults() {
    return new ClusterConfig(false, "all", "causalrec", null, "127.0.0.1", 5701, List.of(), null);
  }

  /** The host's name, or {@code node} when it has none that resolves. */
  public static String defaultNodeName() {
    try {
      String h = InetAddress.getLocalHost().getHostName();
      return h.matches("[A-Za-z0-9._-]{1,100}") ? h : "node";
    } catch (UnknownHostException e) {
      return "node";
    }
  }

  /** Whether this node trains (the trainer and a node with every role). */
  public boolean trains() {
    return !role.equals("api");
  }
}
