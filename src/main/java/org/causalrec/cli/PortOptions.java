package org.causalrec.cli;

import org.causalrec.config.Config;
import picocli.CommandLine.Option;

/** {@code --port}: the HTTP port over the file and the environment; a command may word its help in {@code OptionHelp.properties}. */
final class PortOptions {

  @Option(names = "--port", descriptionKey = "port", description = "HTTP port (or CAUSALREC_HTTP_PORT; 0 picks a free one)")
  Integer port;

  /** The configuration with this port, when one was given. */
  Config applyTo(Config config) {
    return port == null ? config : config.toBuilder().setHttpPort(port).build();
  }
}
