package org.causalrec.cli;

import picocli.CommandLine.Option;

/**
 * {@code --batch}: events per ingest batch; each command sets the default, and may word the help in
 * {@code OptionHelp.properties}.
 */
final class BatchOptions {

  @Option(names = "--batch", descriptionKey = "batch", description = "events per ingest batch (default ${DEFAULT-VALUE})")
  int batch;

  BatchOptions(int defaultBatch) {
    batch = defaultBatch;
  }

  /** Events per batch. */
  int size() {
    return batch;
  }
}
