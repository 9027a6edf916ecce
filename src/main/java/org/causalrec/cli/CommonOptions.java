package org.causalrec.cli;

import java.nio.file.Path;
import org.causalrec.config.Config;
import org.causalrec.config.ConfigBuilder;
import org.causalrec.config.ConfigLoader;
import org.causalrec.server.Logging;
import picocli.CommandLine.Option;

/** Options every command takes; flags override the config file and the environment. */
public final class CommonOptions {

  @Option(names = "--config", description = "YAML or JSON config file (or CAUSALREC_CONFIG)")
  Path configFile;

  @Option(names = "--data-dir", description = "data directory (or CAUSALREC_DATA_DIR; default ./data)")
  Path dataDir;

  @Option(names = "--pg-url", description = "external PostgreSQL URL postgresql://user:pass@host:port/db "
      + "(or CAUSALREC_PG_URL; default: embedded)")
  String pgUrl;

  /** The configuration: defaults, file, environment, then these flags; logging follows its {@code log:} settings. */
  public Config config() {
    ConfigBuilder b = ConfigLoader.load(configFile, System.getenv()).toBuilder();
    if (dataDir != null) {
      b.setDataDir(dataDir);
    }
    if (pgUrl != null) {
      b.setPgUrl(pgUrl);
    }
    Config c = b.build();
    Logging.apply(c.log());
    return c;
  }
}
