package org.causalrec.cli;

import java.util.concurrent.Callable;
import org.causalrec.config.Config;
import org.causalrec.config.ConfigLoader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code causalrec config}: check the configuration and print it, or print the reference of every key. */
@Command(name = "config", mixinStandardHelpOptions = true,
    description = "Check the configuration (file, environment, flags) and print it; API keys show as digests.")
public final class ConfigCommand implements Callable<Integer> {

  @Mixin
  CommonOptions common;

  @Option(names = "--reference", description = "print every key with its variable, type, default and meaning"
      + " (Markdown)")
  boolean reference;

  @Override
  public Integer call() {
    if (reference) {
      System.out.print(ConfigLoader.referenceTable());
      return 0;
    }
    Config c = common.config();
    System.out.println(c);
    return 0;
  }
}
