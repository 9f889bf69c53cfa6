"""The due-ness rule of scheduled syncs: intervals spread by organization, daily times in Asia/Kolkata."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time, timedelta

import pytest

from integrations.hrms.sync.schedule import (
    BUSINESS_TIME_ZONE,
    Schedule,
    ScheduleError,
    current_slot,
    due_slot,
    spread_offset,
)

TWO_HOURS = Schedule(enabled=True, interval=timedelta(hours=2))
DAILY_0100 = Schedule(enabled=True, daily_at=time(1, 0))
NOW = datetime(2025, 3, 10, 9, 17, 23, tzinfo=UTC)


def kolkata(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2025, 3, day, hour, minute, tzinfo=BUSINESS_TIME_ZONE)


# ---- parsing -----------------------------------------------------------------------------------------


def test_parse_reads_an_interval_schedule():
    assert Schedule.parse({"enabled": True, "interval_minutes": 30}) == Schedule(True, interval=timedelta(minutes=30))


def test_parse_reads_a_daily_schedule():
    assert Schedule.parse({"enabled": False, "daily_at": "01:00"}) == Schedule(False, daily_at=time(1, 0))


@pytest.mark.parametrize("raw", [{"interval_minutes": 0}, {"interval_minutes": "60"}, {}, {"interval_minutes": True}])
def test_parse_rejects_an_interval_that_is_not_a_positive_whole_number(raw):
    with pytest.raises(ScheduleError, match="interval_minutes"):
        Schedule.parse(raw)


@pytest.mark.parametrize("text", ["1am", "25:00", "01:60", "01"])
def test_parse_rejects_a_daily_time_that_is_not_hh_mm(text):
    with pytest.raises(ScheduleError, match="daily_at"):
        Schedule.parse({"daily_at": text})


# ---- spreading ---------------------------------------------------------------------------------------


def test_an_organizations_offset_is_stable_and_inside_the_window():
    window = timedelta(hours=2)
    offset = spread_offset(4711, window)
    assert offset == spread_offset(4711, window)
    assert timedelta(0) <= offset < window


def test_a_thousand_organizations_spread_over_the_whole_interval():
    window = timedelta(hours=2)
    per_ten_minutes = Counter(spread_offset(org_id, window) // timedelta(minutes=10) for org_id in range(1, 1001))
    assert sorted(per_ten_minutes) == list(range(12))  # every 10-minute bucket of the 2 h gets some
    assert max(per_ten_minutes.values()) < 130  # about 83 each; none gets a thundering herd


def test_slots_of_one_organization_are_one_interval_apart_and_contain_now():
    slot = current_slot(TWO_HOURS, 7, NOW)
    later = current_slot(TWO_HOURS, 7, slot.start + timedelta(hours=2))
    assert slot.start <= NOW < slot.start + timedelta(hours=2)
    assert later.index == slot.index + 1
    assert later.start - slot.start == timedelta(hours=2)


def test_two_organizations_start_their_slots_at_different_times():
    assert current_slot(TWO_HOURS, 1, NOW).start != current_slot(TWO_HOURS, 2, NOW).start


def test_naive_now_is_refused():
    with pytest.raises(ValueError, match="aware"):
        current_slot(TWO_HOURS, 1, datetime(2025, 3, 10, 9, 0))


# ---- interval due-ness ---------------------------------------------------------------------------------


def test_a_never_synced_pair_is_due_at_once():
    assert due_slot(TWO_HOURS, 7, None, NOW) == current_slot(TWO_HOURS, 7, NOW)


def test_a_disabled_pair_is_never_due():
    assert due_slot(Schedule(False, interval=timedelta(hours=2)), 7, None, NOW) is None


def test_a_pair_that_started_a_run_in_this_slot_is_not_due():
    slot = current_slot(TWO_HOURS, 7, NOW)
    assert due_slot(TWO_HOURS, 7, slot.start + timedelta(seconds=1), NOW) is None


def test_a_pair_whose_last_run_started_before_this_slot_is_due():
    slot = current_slot(TWO_HOURS, 7, NOW)
    assert due_slot(TWO_HOURS, 7, slot.start - timedelta(seconds=1), NOW) == slot


def test_a_pair_is_due_again_once_per_interval():
    started = current_slot(TWO_HOURS, 7, NOW).start + timedelta(seconds=30)
    next_start = current_slot(TWO_HOURS, 7, NOW).start + timedelta(hours=2)
    assert due_slot(TWO_HOURS, 7, started, next_start - timedelta(seconds=1)) is None
    assert due_slot(TWO_HOURS, 7, started, next_start) is not None


# ---- daily due-ness in Asia/Kolkata ----------------------------------------------------------------------


def test_daily_slot_opens_at_the_local_time_plus_the_organizations_spread():
    spread = timedelta(minutes=60)
    slot = current_slot(DAILY_0100, 7, kolkata(10, 12))
    assert slot.start == kolkata(10, 1) + spread_offset(7, spread)


def test_daily_is_due_after_the_local_time_passed_today_and_no_run_today():
    yesterday_run = kolkata(9, 1, 30)
    assert due_slot(DAILY_0100, 7, yesterday_run, kolkata(10, 3), daily_spread=timedelta(0)) is not None


def test_daily_is_not_due_before_the_local_time_when_it_ran_yesterday():
    yesterday_run = kolkata(9, 1, 30)
    assert due_slot(DAILY_0100, 7, yesterday_run, kolkata(10, 0, 59), daily_spread=timedelta(0)) is None


def test_daily_is_not_due_twice_on_one_day():
    today_run = kolkata(10, 1, 0)
    assert due_slot(DAILY_0100, 7, today_run, kolkata(10, 23, 59), daily_spread=timedelta(0)) is None


def test_daily_uses_the_kolkata_day_not_the_utc_day():
    # 20:00 UTC on the 9th is 01:30 on the 10th in Kolkata: the 10th's 01:00 slot is open.
    now = datetime(2025, 3, 9, 20, 0, tzinfo=UTC)
    slot = current_slot(DAILY_0100, 7, now, daily_spread=timedelta(0))
    assert slot.start == kolkata(10, 1)
    assert slot.index == kolkata(10, 1).date().toordinal()


def test_a_never_synced_daily_pair_runs_at_once_even_before_its_time():
    assert due_slot(DAILY_0100, 7, None, kolkata(10, 0, 30)) is not None
