package org.causalrec.experiment;

import io.vertx.core.json.JsonObject;
import java.util.Map;

/**
 * What a simulated-world run measured on one seed: metric name to value, in insertion order, and
 * what was measured on the way.
 */
public record SeedResult(long seed, Map<String, Double> metrics, JsonObject detail) {}
