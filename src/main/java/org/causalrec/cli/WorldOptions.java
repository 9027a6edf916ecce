package org.causalrec.cli;

import org.causalrec.sim.WorldSpec;
import picocli.CommandLine.Option;

/**
 * {@code --size}: which synthetic world, and the strength of its hidden intent ({@code
 * --intent-strength}, {@code --policy-intent-strength}); a command may word its help in
 * {@code OptionHelp.properties}.
 */
final class WorldOptions {

  @Option(names = "--size", defaultValue = "small", descriptionKey = "size",
      description = "tiny, small or ml20m (default ${DEFAULT-VALUE})")
  String size;

  @Option(names = "--intent-strength", defaultValue = "0", descriptionKey = "intent-strength",
      description = "hidden intent: each session's eps ~ N(0,1), unseen by models, adds G*eps*a_i to the"
          + " relevance logit (default ${DEFAULT-VALUE}: none)", paramLabel = "G")
  double intentStrength;

  @Option(names = "--policy-intent-strength", defaultValue = "-1", descriptionKey = "policy-intent-strength",
      description = "the logging policy's score adds G*eps*a_i (default: the --intent-strength)", paramLabel = "G")
  double policyIntentStrength;

  /** The world of that size, with its hidden intent. */
  WorldSpec spec() {
    WorldSpec spec = WorldSpec.named(size);
    double policy = policyIntentStrength < 0 ? intentStrength : policyIntentStrength;
    return intentStrength == 0 && policy == 0 ? spec : spec.withIntent(intentStrength, policy);
  }

  /** The options as typed for a command line that reproduces the world (empty without intent). */
  String intentArguments() {
    WorldSpec s = spec();
    return s.hasIntent() ? String.format(java.util.Locale.ROOT, " --intent-strength %s --policy-intent-strength %s",
        s.intentStrength(), s.policyIntentStrength()) : "";
  }
}
