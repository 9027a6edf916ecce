package org.causalrec.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import org.causalrec.App;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The usage help every command prints: flag names, defaults and texts change only on purpose. */
class UsageHelpTest {

  @Test
  void everyCommandPrintsTheHelpItDocuments() throws IOException {
    CommandLine root = new CommandLine(new App());
    StringBuilder actual = new StringBuilder(root.getUsageMessage(CommandLine.Help.Ansi.OFF));
    for (Map.Entry<String, CommandLine> e : new TreeMap<>(root.getSubcommands()).entrySet()) {
      actual.append("=== ").append(e.getKey()).append('\n')
          .append(e.getValue().getUsageMessage(CommandLine.Help.Ansi.OFF));
    }
    try (InputStream in = UsageHelpTest.class.getResourceAsStream("usage-help.txt")) {
      assertEquals(new String(in.readAllBytes(), StandardCharsets.UTF_8), actual.toString());
    }
  }
}
