"""A shared street tablet walked at random through a day: no entry lost, doubled or credited to another worker.

The walk (tests/street_walk.py) is seeded, so every run takes the same steps; STREET_WALK_SEED and
STREET_WALK_STEPS choose others (bench/street_soak.py runs it long).
"""

import json
import os

import pytest

from redliv import roles
from tests import factories
from tests.conftest import make_user
from tests.street_walk import Walk, audit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

SEED = int(os.environ.get("STREET_WALK_SEED", "16"))
STEPS = int(os.environ.get("STREET_WALK_STEPS", "40"))


@pytest.fixture
def workers(red_liv, coordinator, odense):
    venue = factories.make_venue(red_liv, name="Antidote Danmark, Odense")
    bag = factories.make_location(red_liv, name="Gadeteamets taske")
    factories.receive(factories.make_batch(lot_number="LOT-WALK"), bag, 100_000, coordinator)
    factories.make_district(odense, name="Vollsmose")
    assert venue and bag
    return [
        make_user("gadeplan-alice", red_liv, roles.STREET_WORKER),
        make_user("gadeplan-bent", red_liv, roles.STREET_WORKER),
        make_user("traener-bo", red_liv, roles.TRAINER),
    ]


@pytest.mark.long(seconds=28)
def test_a_random_day_on_a_shared_tablet_loses_doubles_and_misattributes_nothing(live_server, browser, workers):
    walk = Walk(browser, live_server.url, workers, seed=SEED)
    try:
        walk.step_login(workers[0])
        walk.run(STEPS).sync_everyone()
        figures = audit(walk)
    finally:
        walk.close()
    print(json.dumps({key: value for key, value in figures.items() if key != "details"}, ensure_ascii=False))
    story = "\n".join(walk.log)
    assert figures["entries saved"] > 0, story
    assert (figures["lost"], figures["doubled"], figures["misattributed"]) == (0, 0, 0), (figures, story)
    assert (figures["wrong kind or counts"], figures["stored but never saved"]) == (0, 0), (figures, story)
    assert figures["still waiting"] == 0, (figures, story)
    assert figures["rows stored"] == figures["entries saved"]
