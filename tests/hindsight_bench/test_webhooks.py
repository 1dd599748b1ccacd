"""The benchmark's inbound-webhook data set is what the app accepts: every intake body is a
new delivery (none is answered as a duplicate), and the processing notifications open,
attach and resolve as the benchmark counts on."""

from hindsight_bench import alerts, webhooks
from hindsight_bench.seed_webhooks import (
    HOOK_PATH,
    bench_endpoint,
    seed_alert_services,
    seed_webhooks,
)
from integrations.tasks import process_inbound_delivery

SECRET = "hs_hook_bench-test-secret"  # noqa: S105 (a test endpoint's)


def post(client, body: bytes, secret: str = SECRET):
    return client.post(
        HOOK_PATH, body, content_type="application/json", HTTP_AUTHORIZATION=f"Bearer {secret}"
    )


def test_every_intake_body_is_accepted_as_a_new_delivery(org, client):
    seed_webhooks(org, SECRET)
    bodies = webhooks.bodies(3, 0)

    answers = [post(client, body) for body in bodies]

    assert [answer.status_code for answer in answers] == [202, 202, 202]
    assert [answer.json()["duplicate"] for answer in answers] == [False, False, False]
    assert post(client, bodies[0]).json()["duplicate"] is True
    assert post(client, bodies[1], secret="hs_hook_wrong").status_code == 401


def test_the_processing_notifications_open_attach_and_resolve(org):
    seed_webhooks(org, SECRET)
    services = seed_alert_services(org, 2)
    batch = alerts.notifications(services, services, 5, opening=2, resolving=2, tag="t")
    ids = alerts.store(bench_endpoint(org), batch)

    statuses = [process_inbound_delivery(delivery_id) for delivery_id in ids]

    assert statuses == ["PROCESSED"] * 5
    # Three firing notifications of five alerts: one opens an incident on each service, the
    # other fourteen attach; the two resolving ones resolve the first ten.
    assert alerts.outcomes(ids) == {"opened": 2, "attached": 13, "resolved": 10, "other": 0}
