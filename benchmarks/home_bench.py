"""How long the App Home takes to load and build for the top, a middle and a bottom manager of the large org.

    .venv/bin/python -m benchmarks.home_bench --db sqlite --reuse [--url URL] [--repeat 20] [--profile]

Times `handlers.home.load_home` (every query the home needs) plus `prompts.home_blocks.home_view` (the Block
Kit JSON) on the synthetic organisation, for the manager at the root of the chain (everyone below), one in the
middle and one whose reports manage nobody. Prints the median and worst of `--repeat` runs and PASS/FAIL against
100 ms each: the time must not grow with the number of people below.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import statistics
import time
from datetime import datetime

from sqlalchemy import text
from sqlmodel import Session

from benchmarks.common import add_database_arguments, prepare
from benchmarks.synthetic_org import digest_now
from handlers.home import load_home
from prompts.home_blocks import home_view
from storage.db import make_engine
from storage.models import Person

TARGET_SECONDS = 0.100
NOW = digest_now("2026-W47")

# The root of the chain; a manager two levels down (1,000 people below in the synthetic org); a manager whose
# reports manage nobody (9 below). Active, so the home shows their team.
MANAGERS = {
    "top": "SELECT id FROM person WHERE manager_id IS NULL AND active ORDER BY id LIMIT 1",
    "middle": """SELECT m.id FROM person m JOIN person boss ON m.manager_id = boss.id
                 WHERE boss.manager_id IS NULL AND m.active
                 AND EXISTS (SELECT 1 FROM person r WHERE r.manager_id = m.id) ORDER BY m.id LIMIT 1""",
    "bottom": """SELECT m.id FROM person m WHERE m.active
                 AND EXISTS (SELECT 1 FROM person r WHERE r.manager_id = m.id)
                 AND NOT EXISTS (SELECT 1 FROM person r JOIN person rr ON rr.manager_id = r.id
                                 WHERE r.manager_id = m.id)
                 ORDER BY m.id LIMIT 1""",
}
BELOW = """WITH RECURSIVE below(id) AS (SELECT id FROM person WHERE manager_id = :id
           UNION SELECT p.id FROM person p JOIN below b ON p.manager_id = b.id) SELECT count(*) FROM below"""


def time_home(session: Session, person: Person, *, now: datetime) -> float:
    started = time.perf_counter()
    data = load_home(session, person, now=now, default_zone="UTC")
    home_view(data, locale=person.locale or "en")
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_database_arguments(parser)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--profile", action="store_true", help="print the top functions of the top manager's home")
    args = parser.parse_args()
    engine = make_engine(prepare(args))
    failed = False
    try:
        for level, query in MANAGERS.items():
            with Session(engine, expire_on_commit=False) as session:
                manager_id = session.exec(text(query)).scalar_one()
                below = session.exec(text(BELOW).bindparams(id=manager_id)).scalar_one()
                person = session.get(Person, manager_id)
                time_home(session, person, now=NOW)  # warm the caches (templates, statement compilation)
                seconds = [time_home(session, person, now=NOW) for _ in range(args.repeat)]
                if args.profile and level == "top":
                    profiler = cProfile.Profile()
                    profiler.runcall(time_home, session, person, now=NOW)
                    pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
            median, worst = statistics.median(seconds), max(seconds)
            verdict = "PASS" if median < TARGET_SECONDS else "FAIL"
            failed |= verdict == "FAIL"
            print(f"{verdict}: App Home of the {level:<6} manager ({below:>6,} people below): "
                  f"median {median * 1000:6.1f} ms, worst {worst * 1000:6.1f} ms "
                  f"(target < {TARGET_SECONDS * 1000:.0f} ms)")
    finally:
        engine.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
