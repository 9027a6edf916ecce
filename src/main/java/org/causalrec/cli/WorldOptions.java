package org.causalrec.cli;

import org.causalrec.sim.WorldSpec;
import picocli.CommandLine.Option;

/**
 * {@code --size}: which synthetic world; a command may word its help in {@code OptionHelp.properties}.
 */
final class WorldOptions {

  @Option(names = "--size", defaultValue = "small", descriptionKey = "size",
      description = "tiny, small or ml20m (default ${DEFAULT-VALUE})")
  String size;

  /** The world of that size. */
  WorldSpec spec() {
    return WorldSpec.named(size);
  }
}
