#!/usr/bin/env python3
"""A new user's first session with a client generated from a node's /openapi.yaml.

Usage: openapi_client_try.py BASE_URL CLIENT_DIR
CLIENT_DIR holds the Python package `causalrec_client` that openapi-generator wrote (see
bench/openapi-client.sh). Items and events go in, a model trains as a job, recommendations come
out; every call goes through the generated client and its models. Prints what it saw; exits 1 on
the first thing that does not work.
"""
import sys
import time
import uuid

base, client_dir = sys.argv[1], sys.argv[2]
sys.path.insert(0, client_dir)
import causalrec_client as c  # noqa: E402

api = c.ApiClient(c.Configuration(host=base))
catalogue, events, recs, models = c.CatalogueApi(api), c.EventsApi(api), c.RecommendationsApi(api), c.ModelsApi(api)

items = [c.ItemInput(id=f"i{k}", title=f"Item {k}", categories=["even" if k % 2 == 0 else "odd"]) for k in range(60)]
print("items upserted:", catalogue.post_items(c.ItemBatch(items)).upserted)

batch = []
for u in range(200):
    for k in range(8):
        item = (u * 7 + k * (u % 5 + 1)) % 60
        batch.append(c.EventInput(event_id=f"{u}-{k}-{uuid.uuid4().hex[:6]}", user_id=f"u{u}", item_id=f"i{item}",
                                  type="purchase" if k % 3 == 0 else "click"))
result = events.post_events(c.EventBatch(batch))
print(f"events: received {result.received}, accepted {result.accepted}, duplicates {result.duplicates}")
if result.accepted != len(batch):
    sys.exit("not every event was accepted")

before = recs.recommend("u3", n=5)
print("before any model:", before.objective, [i.id for i in before.items])

started = models.train("mult-vae", c.TrainRequest(epochs=20))
print("training:", started.version, "as job", started.job_id)
for _ in range(600):
    job = models.get_job(started.job_id)
    if job.status != "running":
        break
    time.sleep(0.5)
print("job:", job.status, "progress", job.progress and job.progress.get("fraction"))
if job.status != "succeeded":
    sys.exit(f"training failed: {job.error}")

for _ in range(60):
    after = recs.recommend("u3", n=5, objective="relevance")
    if after.model_version == started.version:
        break
    time.sleep(0.5)
print("after training:", after.model_version, [(i.id, round(i.score, 2)) for i in after.items])
if after.model_version != started.version:
    sys.exit("the new version does not serve")

session = recs.recommend_for_session(c.SessionRequest(items=["i1", "i2"], n=5))
print("anonymous session:", [i.id for i in session.items])
print("neighbours of i1:", [i.id for i in recs.neighbors("i1", n=5).items])
print("popular:", [i.id for i in recs.popular(n=5).items])
page = catalogue.list_items(limit=5)
print("items page:", [i.id for i in page.items], "next", page.next)
try:
    catalogue.get_item("no-such-item")
    sys.exit("an unknown item was found")
except c.ApiException as e:
    print("unknown item:", e.status, e.body)
print("the generated client did everything it was asked")
