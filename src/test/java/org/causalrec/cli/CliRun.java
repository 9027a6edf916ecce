package org.causalrec.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.causalrec.App;
import org.causalrec.PostgresExtension;
import picocli.CommandLine;

/**
 * Runs the command line in-process against the test's database (its {@code --pg-url} goes after
 * the command's name) and captures what it prints: standard output, and on the error side
 * picocli's messages, every message of a failure's cause chain, and standard error.
 */
final class CliRun {

  /** What one run returned and printed. */
  record Result(int code, String out, String err) {}

  private CliRun() {}

  static Result run(String... args) {
    CommandLine cli = new CommandLine(new App());
    StringWriter picoErr = new StringWriter();
    cli.setErr(new PrintWriter(picoErr));
    cli.setExecutionExceptionHandler((ex, cmd, parsed) -> {
      for (Throwable t = ex; t != null; t = t.getCause() == t ? null : t.getCause()) {
        picoErr.append(t.getMessage()).append('\n');
      }
      return 1;
    });
    cli.setParameterExceptionHandler((ex, given) -> {
      picoErr.append(ex.getMessage()).append('\n');
      return 2;
    });
    PrintStream stdout = System.out;
    PrintStream stderr = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    System.setOut(new PrintStream(o, true));
    System.setErr(new PrintStream(e, true));
    int code;
    try {
      code = cli.execute(onTestDatabase(args));
    } finally {
      cli.getErr().flush();
      System.setOut(stdout);
      System.setErr(stderr);
    }
    return new Result(code, o.toString(), picoErr + e.toString());
  }

  /** {@code args} with {@code --pg-url} of the test's database after the command's name. */
  static String[] onTestDatabase(String... args) {
    String[] out = new String[args.length + 2];
    out[0] = args[0];
    out[1] = "--pg-url";
    out[2] = PostgresExtension.currentUrl();
    System.arraycopy(args, 1, out, 3, args.length - 1);
    return out;
  }
}
