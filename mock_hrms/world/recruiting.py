"""How interviews move a candidate: one rule, used by the generator, the writes and the simulation.

A candidate's `interview_history` mirrors its interviews (one entry per interview, in date order), and
its stage follows from that history, so the generator cannot produce, and a write cannot leave behind,
a candidate whose stage contradicts its interviews.
"""

from __future__ import annotations

import datetime as dt
import random
import string

from mock_hrms.world.generate_context import BUSINESS_TZ

STAGE_OF_INTERVIEW = {
    "screening": "screening",
    "technical": "technical_interview",
    "system_design": "technical_interview",
    "managerial": "manager_interview",
    "behavioral": "manager_interview",
    "hr": "hr_interview",
}
STAGE_ORDER = ("applied", "screening", "technical_interview", "manager_interview", "hr_interview", "offer",
               "hired")  # fmt: skip
OUTCOME_OF_RECOMMENDATION = {
    "strong_hire": "passed",
    "proceed_to_next_round": "passed",
    "reject": "failed",
    "hold": "on_hold",
}
# Interview status -> history outcome when no recommendation decides it.
OUTCOME_OF_STATUS = {"scheduled": "scheduled", "cancelled": "cancelled", "no_show": "no_show",
                     "completed": "on_hold"}  # fmt: skip
TERMINAL_CANDIDATE_STATUSES = frozenset({"hired", "withdrawn"})


def outcome(interview: dict) -> str:
    """The history status of an interview: its recommendation decides once it is completed."""
    if interview["status"] == "completed" and interview.get("recommendation"):
        return OUTCOME_OF_RECOMMENDATION[interview["recommendation"]]
    return OUTCOME_OF_STATUS[interview["status"]]


def history_entry(interview: dict) -> dict:
    """canonical.InterviewHistoryEntry for one interview (date in the business time zone)."""
    scheduled = dt.datetime.fromisoformat(interview["scheduled_date"])
    return {
        "interview_id": interview["id"],
        "stage": interview["interview_type"],
        "interviewer_id": interview["interviewer_id"],
        "interviewer_name": interview["interviewer_name"],
        "date": scheduled.astimezone(BUSINESS_TZ).date().isoformat(),
        "status": outcome(interview),
        "feedback": interview.get("feedback"),
    }


def history_of(interviews: list[dict]) -> list[dict]:
    """The whole interview_history: entries ordered by scheduled time, then id."""
    ordered = sorted(interviews, key=lambda i: (i["scheduled_date"], i["id"]))
    return [history_entry(interview) for interview in ordered]


def derive_stage(history: list[dict]) -> tuple[str, str]:
    """(current_stage, status) of an active candidate with this history.

    Cancelled and no-show entries do not count. Otherwise the furthest stage reached counts (a stage
    never moves backward), passing the HR round means an offer, a failed latest round means rejected,
    and a latest round on hold puts the candidate on hold. No entry: applied and active.
    """
    effective = [e for e in history if e["status"] not in ("cancelled", "no_show")]
    if not effective:
        return "applied", "active"
    last = effective[-1]
    if last["status"] == "failed":
        return "rejected", "rejected"
    stage = max((STAGE_OF_INTERVIEW[e["stage"]] for e in effective), key=STAGE_ORDER.index)
    if any(e["stage"] == "hr" and e["status"] == "passed" for e in effective):
        stage = "offer"
    return stage, "on_hold" if last["status"] == "on_hold" else "active"


def candidate_after(candidate: dict, interviews: list[dict]) -> dict:
    """The candidate's fields that follow from its interviews: history always, stage/status unless final."""
    history = history_of(interviews)
    fields: dict = {"interview_history": history}
    if candidate["status"] not in TERMINAL_CANDIDATE_STATUSES:
        stage, status = derive_stage(history)
        if not history and candidate["current_stage"] == "rejected":  # screened out on the CV
            stage, status = "rejected", "rejected"
        fields["current_stage"], fields["status"] = stage, status
    return fields


def meeting_link(rng: random.Random) -> str:
    """A Google Meet style link (abc-defg-hij), drawn from the world's Random so it is reproducible."""
    letters = string.ascii_lowercase
    parts = ("".join(rng.choices(letters, k=n)) for n in (3, 4, 3))
    return "https://meet.google.com/{}-{}-{}".format(*parts)


def calendar_event_id(rng: random.Random) -> str:
    return f"CAL{rng.randrange(100_000, 1_000_000)}"
