package org.causalrec;

import org.causalrec.cli.BenchCommand;
import org.causalrec.cli.ConfigCommand;
import org.causalrec.cli.DemoCommand;
import org.causalrec.cli.EmbedCommand;
import org.causalrec.cli.EvaluateCommand;
import org.causalrec.cli.ImportCommand;
import org.causalrec.cli.ServeCommand;
import org.causalrec.cli.SimulateCommand;
import org.causalrec.cli.TrainCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code causalrec} command line: one jar, one subcommand per job. Its resource bundle holds the
 * help of shared options (the mixins in cli/) where a subcommand words it its own way.
 */
@Command(name = "causalrec", mixinStandardHelpOptions = true, version = "CausalRec 0.1.0",
    description = "Self-hosted causal recommendation server.", resourceBundle = "org.causalrec.cli.OptionHelp",
    subcommands = {ServeCommand.class, DemoCommand.class, SimulateCommand.class, ImportCommand.class,
        TrainCommand.class, EvaluateCommand.class, BenchCommand.class, EmbedCommand.class,
        ConfigCommand.class})
public final class App implements Runnable {

  /** Entry point of the shaded jar. */
  public static void main(String[] args) {
    System.setProperty("ai.djl.offline", System.getProperty("ai.djl.offline", "true"));
    int code = new CommandLine(new App())
        .setExecutionExceptionHandler((e, cmd, parsed) -> {
          // One line for people; the stack trace only when asked for.
          cmd.getErr().println("causalrec " + cmd.getCommandName() + ": " + rootMessage(e));
          if (System.getenv("CAUSALREC_DEBUG") != null) {
            e.printStackTrace(cmd.getErr());
          }
          return 1;
        })
        .execute(args);
    if (code != 0 || !Boolean.getBoolean("causalrec.keepAlive")) {
      System.exit(code);
    }
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    return t == e ? m : e.getMessage() + " (" + m + ")";
  }

  @Override
  public void run() {
    new CommandLine(this).usage(System.out);
  }
}
