package org.causalrec.api;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.util.function.Supplier;
import org.causalrec.ingest.IngestService;
import org.causalrec.serve.Recommender;
import org.causalrec.serve.UpliftServing;
import org.causalrec.store.CatalogRepository;
import org.causalrec.store.EventRepository;
import org.causalrec.store.ModelRepository;
import org.causalrec.experiment.Evaluations;
import org.causalrec.train.TrainingDesk;

/**
 * What the HTTP routes call.
 *
 * @param ingest the write path
 * @param catalog item and user reads
 * @param events event reads
 * @param recommender recommendations
 * @param catalogue serving's view of the catalogue, told at once of this node's item writes
 * @param uplift what-if answers and rankings by uplift
 * @param training where requests to train go: this node's runs, or a trainer's
 * @param evaluations offline and off-policy evaluations
 * @param models the model registry
 * @param text item text embeddings, similar items and search; null when text features are off
 * @param feed the live recommendation feed
 * @param modelFeed the model feed of the dashboard
 * @param readiness completes with {@code {"status": "UP"|"DOWN", ...}} for {@code /health/ready}
 * @param meters the node's metrics, scraped at {@code /metrics}
 * @param jobs training and evaluation runs started from the API
 * @param served the served model kinds, for switching and pinning versions
 */
public record Services(IngestService ingest, CatalogRepository catalog, EventRepository events,
    Recommender recommender, org.causalrec.serve.Catalogue catalogue, UpliftServing uplift, TrainingDesk training,
    Evaluations evaluations,
    ModelRepository models,
    org.causalrec.text.ItemEmbeddings text, org.causalrec.feed.LiveFeed feed,
    org.causalrec.feed.ModelFeed modelFeed, Supplier<Future<JsonObject>> readiness,
    io.micrometer.prometheusmetrics.PrometheusMeterRegistry meters, org.causalrec.train.Jobs jobs,
    org.causalrec.serve.ServedModels served) {}
