from bot.clock import FixedClock
from scheduler import JOBS, JobConfig, build_scheduler, job_id
from tests.conftest import MONDAY_MORNING


def test_the_scheduler_ticks_each_job_on_its_own_with_a_stable_id():
    scheduler = build_scheduler(sessions=None, client=None, clock_now=FixedClock(MONDAY_MORNING).now,
                                config=JobConfig())
    jobs = scheduler.get_jobs()
    assert [job.id for job in jobs] == [job_id(job.name) for job in JOBS if job.available]
    assert {job.trigger.interval.total_seconds() for job in jobs} == {60}


def test_the_contract_job_names_are_registered():
    names = [job.name for job in JOBS]
    assert {"checkin-reminders", "manager-nudges", "hr-digest", "review-reminders"} <= set(names)
    assert names[0] == "welcome"  # the guide arrives before anything it explains
