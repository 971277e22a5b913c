"""team_week_stats: the HR digest's weekly check-in counts per team, kept by triggers; two indexes for HR figures

Revision ID: 0007
Revises: 0006

The digest's eight-week trend read every check-in of those weeks (380,000 at 50,000 people) and grouped them by
team; it now reads 8 x teams rows of this table. The rows are kept by the database itself, so no writer can
forget them (record(), imports, the erasure, a test's or an operator's own INSERT, bulk loads):

- a check-in inserted, deleted, or changed in its person, week, confidence or blockers adds to or takes from the
  row of its week and of its person's team, when the person is active;
- a person changing team or becoming active or inactive (an erasure makes them inactive) moves all of their
  check-ins' counts from the old row of each week to the new one.

On PostgreSQL the check-in triggers lock the people concerned FOR SHARE before reading their team, so a check-in
filed while its person moves team waits for the move (or the move for it) and is counted in the right team.
PostgreSQL counts the rows of an INSERT or DELETE statement in one go (transition tables: a COPY of millions of
check-ins is one grouped upsert); SQLite has only row triggers.

A later migration that rebuilds checkin or person on SQLite (batch_alter_table with recreate) drops these
triggers: it must create them again (tests/storage/test_digest_rollup.py checks they exist at head).
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

COUNTS = "checked_in, confidences, confidence_sum, blockers"
ADD_EXCLUDED = """
    checked_in = team_week_stats.checked_in + excluded.checked_in,
    confidences = team_week_stats.confidences + excluded.confidences,
    confidence_sum = team_week_stats.confidence_sum + excluded.confidence_sum,
    blockers = team_week_stats.blockers + excluded.blockers"""


def _blocked(row: str) -> str:
    """Return 1 when the row's blockers are not blank, as the digest counts them (NULL or spaces are blank)."""
    return f"CASE WHEN trim(coalesce({row}.blockers, '')) <> '' THEN 1 ELSE 0 END"


def _grouped(sign: str = "") -> str:
    """Return the counts of a group of check-ins `c` as SELECT columns named as in the table (sign '-': negated)."""
    return (f"{sign}count(*) AS checked_in, {sign}count(c.confidence) AS confidences, "
            f"{sign}coalesce(sum(c.confidence), 0) AS confidence_sum, "
            f"{sign}coalesce(sum({_blocked('c')}), 0) AS blockers")


BACKFILL = f"""
INSERT INTO team_week_stats (week, team_id, {COUNTS})
SELECT c.week, coalesce(p.team_id, 0), {_grouped()}
FROM checkin c JOIN person p ON p.id = c.person_id
WHERE p.active
GROUP BY c.week, coalesce(p.team_id, 0)
"""

# --- SQLite: row triggers -------------------------------------------------------------------------------

SQLITE_ADD_ONE = f"""
    INSERT INTO team_week_stats (week, team_id, {COUNTS})
    SELECT NEW.week, coalesce(team_id, 0), 1, NEW.confidence IS NOT NULL, coalesce(NEW.confidence, 0),
           {_blocked('NEW')}
    FROM person WHERE id = NEW.person_id AND active
    ON CONFLICT (week, team_id) DO UPDATE SET {ADD_EXCLUDED};"""

SQLITE_TAKE_ONE = f"""
    UPDATE team_week_stats SET
        checked_in = checked_in - 1,
        confidences = confidences - (OLD.confidence IS NOT NULL),
        confidence_sum = confidence_sum - coalesce(OLD.confidence, 0),
        blockers = blockers - {_blocked('OLD')}
    WHERE week = OLD.week
        AND team_id = (SELECT coalesce(team_id, 0) FROM person WHERE id = OLD.person_id AND active);"""

SQLITE = [
    f"""CREATE TRIGGER team_week_stats_checkin_insert AFTER INSERT ON checkin
BEGIN{SQLITE_ADD_ONE}
END""",
    f"""CREATE TRIGGER team_week_stats_checkin_delete AFTER DELETE ON checkin
BEGIN{SQLITE_TAKE_ONE}
END""",
    f"""CREATE TRIGGER team_week_stats_checkin_update AFTER UPDATE OF person_id, week, confidence, blockers ON checkin
WHEN OLD.person_id IS NOT NEW.person_id OR OLD.week IS NOT NEW.week OR OLD.confidence IS NOT NEW.confidence
    OR {_blocked('OLD')} <> {_blocked('NEW')}
BEGIN{SQLITE_TAKE_ONE}{SQLITE_ADD_ONE}
END""",
    f"""CREATE TRIGGER team_week_stats_person_update AFTER UPDATE OF team_id, active ON person
WHEN OLD.team_id IS NOT NEW.team_id OR OLD.active IS NOT NEW.active
BEGIN
    UPDATE team_week_stats SET
        checked_in = team_week_stats.checked_in - moved.checked_in,
        confidences = team_week_stats.confidences - moved.confidences,
        confidence_sum = team_week_stats.confidence_sum - moved.confidence_sum,
        blockers = team_week_stats.blockers - moved.blockers
    FROM (
        SELECT c.week AS week, {_grouped()}
        FROM checkin c WHERE c.person_id = OLD.id GROUP BY c.week
    ) AS moved
    WHERE OLD.active AND team_week_stats.week = moved.week AND team_week_stats.team_id = coalesce(OLD.team_id, 0);
    INSERT INTO team_week_stats (week, team_id, {COUNTS})
    SELECT c.week, coalesce(NEW.team_id, 0), {_grouped()}
    FROM checkin c WHERE c.person_id = NEW.id AND NEW.active GROUP BY c.week
    ON CONFLICT (week, team_id) DO UPDATE SET {ADD_EXCLUDED};
END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS team_week_stats_checkin_insert",
    "DROP TRIGGER IF EXISTS team_week_stats_checkin_delete",
    "DROP TRIGGER IF EXISTS team_week_stats_checkin_update",
    "DROP TRIGGER IF EXISTS team_week_stats_person_update",
]

# --- PostgreSQL: statement triggers for inserts and deletes, row triggers for changes ---------------------


def _pg_apply(rows: str, sign: str) -> str:
    """Return the statement that adds (sign '') or takes (sign '-') the check-ins in `rows` to their rows."""
    return f"""
    PERFORM 1 FROM person WHERE id IN (SELECT person_id FROM {rows}) ORDER BY id FOR SHARE;
    INSERT INTO team_week_stats AS s (week, team_id, {COUNTS})
    SELECT c.week, coalesce(p.team_id, 0), {_grouped(sign)}
    FROM {rows} c JOIN person p ON p.id = c.person_id
    WHERE p.active
    GROUP BY c.week, coalesce(p.team_id, 0)
    ORDER BY 1, 2
    ON CONFLICT (week, team_id) DO UPDATE SET {ADD_EXCLUDED.replace('team_week_stats.', 's.')};"""


POSTGRESQL = [
    f"""CREATE FUNCTION team_week_stats_checkins_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{_pg_apply('added_checkins', '')}
    RETURN NULL;
END $$""",
    f"""CREATE FUNCTION team_week_stats_checkins_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN{_pg_apply('removed_checkins', '-')}
    RETURN NULL;
END $$""",
    f"""CREATE FUNCTION team_week_stats_checkin_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1 FROM person WHERE id IN (OLD.person_id, NEW.person_id) ORDER BY id FOR SHARE;
    UPDATE team_week_stats s SET
        checked_in = s.checked_in - 1,
        confidences = s.confidences - (OLD.confidence IS NOT NULL)::int,
        confidence_sum = s.confidence_sum - coalesce(OLD.confidence, 0),
        blockers = s.blockers - {_blocked('OLD')}
    FROM person p
    WHERE p.id = OLD.person_id AND p.active AND s.week = OLD.week AND s.team_id = coalesce(p.team_id, 0);
    INSERT INTO team_week_stats AS s (week, team_id, {COUNTS})
    SELECT NEW.week, coalesce(p.team_id, 0), 1, (NEW.confidence IS NOT NULL)::int, coalesce(NEW.confidence, 0),
           {_blocked('NEW')}
    FROM person p WHERE p.id = NEW.person_id AND p.active
    ON CONFLICT (week, team_id) DO UPDATE SET {ADD_EXCLUDED.replace('team_week_stats.', 's.')};
    RETURN NULL;
END $$""",
    f"""CREATE FUNCTION team_week_stats_person_moved() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF OLD.active THEN
        UPDATE team_week_stats s SET
            checked_in = s.checked_in - moved.checked_in,
            confidences = s.confidences - moved.confidences,
            confidence_sum = s.confidence_sum - moved.confidence_sum,
            blockers = s.blockers - moved.blockers
        FROM (
            SELECT c.week, {_grouped()}
            FROM checkin c WHERE c.person_id = OLD.id GROUP BY c.week
        ) AS moved
        WHERE s.week = moved.week AND s.team_id = coalesce(OLD.team_id, 0);
    END IF;
    IF NEW.active THEN
        INSERT INTO team_week_stats AS s (week, team_id, {COUNTS})
        SELECT c.week, coalesce(NEW.team_id, 0), {_grouped()}
        FROM checkin c WHERE c.person_id = NEW.id GROUP BY c.week
        ORDER BY 1
        ON CONFLICT (week, team_id) DO UPDATE SET {ADD_EXCLUDED.replace('team_week_stats.', 's.')};
    END IF;
    RETURN NULL;
END $$""",
    """CREATE TRIGGER team_week_stats_checkin_insert AFTER INSERT ON checkin
REFERENCING NEW TABLE AS added_checkins
FOR EACH STATEMENT EXECUTE FUNCTION team_week_stats_checkins_added()""",
    """CREATE TRIGGER team_week_stats_checkin_delete AFTER DELETE ON checkin
REFERENCING OLD TABLE AS removed_checkins
FOR EACH STATEMENT EXECUTE FUNCTION team_week_stats_checkins_removed()""",
    f"""CREATE TRIGGER team_week_stats_checkin_update AFTER UPDATE OF person_id, week, confidence, blockers ON checkin
FOR EACH ROW WHEN (OLD.person_id IS DISTINCT FROM NEW.person_id OR OLD.week IS DISTINCT FROM NEW.week
    OR OLD.confidence IS DISTINCT FROM NEW.confidence OR {_blocked('OLD')} <> {_blocked('NEW')})
EXECUTE FUNCTION team_week_stats_checkin_changed()""",
    """CREATE TRIGGER team_week_stats_person_update AFTER UPDATE OF team_id, active ON person
FOR EACH ROW WHEN (OLD.team_id IS DISTINCT FROM NEW.team_id OR OLD.active IS DISTINCT FROM NEW.active)
EXECUTE FUNCTION team_week_stats_person_moved()""",
]
POSTGRESQL_DROP = [
    "DROP TRIGGER IF EXISTS team_week_stats_checkin_insert ON checkin",
    "DROP TRIGGER IF EXISTS team_week_stats_checkin_delete ON checkin",
    "DROP TRIGGER IF EXISTS team_week_stats_checkin_update ON checkin",
    "DROP TRIGGER IF EXISTS team_week_stats_person_update ON person",
    "DROP FUNCTION IF EXISTS team_week_stats_checkins_added()",
    "DROP FUNCTION IF EXISTS team_week_stats_checkins_removed()",
    "DROP FUNCTION IF EXISTS team_week_stats_checkin_changed()",
    "DROP FUNCTION IF EXISTS team_week_stats_person_moved()",
]


def upgrade() -> None:
    # Not the rollup's, but of the same work (the HR figures at 50,000 people): the check-ins export reads every
    # check-in in (week, id) order, which PostgreSQL then walks instead of sorting; the digest reads the last two
    # weeks' 1:1s to find the pairs that had one, instead of every 1:1.
    op.create_index("ix_checkin_week_id", "checkin", ["week", "id"])
    op.create_index("ix_oneonone_held_at", "oneonone", ["held_at"])
    op.create_table(
        "team_week_stats",
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column("team_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("checked_in", sa.Integer(), nullable=False),
        sa.Column("confidences", sa.Integer(), nullable=False),
        sa.Column("confidence_sum", sa.Integer(), nullable=False),
        sa.Column("blockers", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("week", "team_id"),
    )
    postgresql = op.get_bind().dialect.name == "postgresql"
    if postgresql:  # no check-in or move may slip between the count and the triggers (SQLite has one writer)
        op.execute("LOCK TABLE checkin, person IN SHARE ROW EXCLUSIVE MODE")
    # Counted before the triggers exist, and in the same transaction: nothing is counted twice or missed.
    op.execute(BACKFILL)
    for statement in POSTGRESQL if postgresql else SQLITE:
        op.execute(statement)


def downgrade() -> None:
    for statement in POSTGRESQL_DROP if op.get_bind().dialect.name == "postgresql" else SQLITE_DROP:
        op.execute(statement)
    op.drop_table("team_week_stats")
    op.drop_index("ix_oneonone_held_at", table_name="oneonone")
    op.drop_index("ix_checkin_week_id", table_name="checkin")
