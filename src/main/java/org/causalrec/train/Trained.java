package org.causalrec.train;

import io.vertx.core.json.JsonObject;
import java.nio.file.Path;

/**
 * A finished training run: what the registry records and where the artifact lies.
 *
 * @param params the hyperparameters and options it was trained with
 * @param metrics its evaluation
 * @param maxEventId the data snapshot: the largest event id it read
 * @param dir the artifact directory
 */
record Trained(JsonObject params, JsonObject metrics, long maxEventId, Path dir) {}
