package org.causalrec.store;

import com.hazelcast.config.JoinConfig;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.spi.VertxMetricsFactory;
import io.vertx.spi.cluster.hazelcast.ConfigUtil;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.net.InetAddress;
import java.net.UnknownHostException;
import org.causalrec.config.ClusterConfig;

/**
 * A Vert.x instance whose event bus spans the cluster: Hazelcast (the Vert.x cluster manager
 * {@code vertx-hazelcast}) finds the members over TCP (the configured member list) or, on
 * Kubernetes, through a headless service's DNS name; the event bus then connects the nodes
 * directly on the same interface.
 */
final class ClusterVertx {

  private ClusterVertx() {}

  /** Joins the cluster (with {@code metrics}, or none when null); returns once this node is a member (blocking). */
  static Vertx join(VertxOptions options, VertxMetricsFactory metrics, ClusterConfig cluster) {
    // Vert.x leaves the cluster itself when it closes, after the node drained: Hazelcast's own
    // hook would leave at once, while requests are in flight
    System.setProperty("hazelcast.shutdownhook.enabled", "false");
    System.setProperty("hazelcast.logging.type", "slf4j");
    System.setProperty("hazelcast.phone.home.enabled", "false");
    // Hazelcast binds to an address, not a name: a host name (a container's, say) is resolved here
    String host;
    try {
      host = InetAddress.getByName(cluster.host()).getHostAddress();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("cluster.host does not resolve: " + cluster.host(), e);
    }
    com.hazelcast.config.Config hz = ConfigUtil.loadConfig();
    hz.setClusterName(cluster.name());
    hz.setInstanceName("causalrec-" + cluster.nodeName());
    hz.setProperty("hazelcast.shutdownhook.enabled", "false");
    hz.setProperty("hazelcast.phone.home.enabled", "false");
    // a member that stops answering is dropped after this long; its event-bus handlers go with it
    hz.setProperty("hazelcast.max.no.heartbeat.seconds", "10");
    hz.getNetworkConfig().setPort(cluster.port()).setPortAutoIncrement(true).setPortCount(20);
    hz.getNetworkConfig().getInterfaces().setEnabled(true).addInterface(host);
    JoinConfig join = hz.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    if (cluster.kubernetesService() != null) {
      join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", cluster.kubernetesService());
    } else {
      join.getTcpIpConfig().setEnabled(true).addMember(host + ":" + cluster.port());
      cluster.members().forEach(m -> join.getTcpIpConfig().addMember(m));
    }
    options.setEventBusOptions(new EventBusOptions().setHost(host).setPort(0).setClusterPublicHost(host));
    io.vertx.core.VertxBuilder builder = Vertx.builder().with(options);
    if (metrics != null) {
      builder.withMetrics(metrics);
    }
    return builder.withClusterManager(new HazelcastClusterManager(hz)).buildClustered().await();
  }
}
