"""Generate recruiting: requisitions, candidates and their interviews, consistent with the org.

Hiring managers are managers of the requisition's department; candidates apply to real requisitions
(id and title copied); each candidate's interviews follow a pipeline (screening, technical or managerial,
HR), earlier rounds completed and passed, the last one scheduled in the future or decided in the past;
interview_history and stage are then derived by `recruiting.candidate_after`, the rule the writes use.
Scheduled interviews of one interviewer never overlap: all start on the hour and last at most an hour.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from mock_hrms.world import vocabulary as vocab
from mock_hrms.world.generate_context import BUSINESS_TZ, GenContext, Weighted, id_width
from mock_hrms.world.generate_org import NamePicker, make_phone
from mock_hrms.world.records import full_name
from mock_hrms.world.recruiting import calendar_event_id, candidate_after, meeting_link

REQUISITION_STATUSES = Weighted((("open", 65), ("on_hold", 10), ("filled", 10), ("closed", 10), ("cancelled", 5)))
SOURCES = Weighted((("linkedin", 35), ("referral", 20), ("careers_page", 15), ("job_board", 15),
                    ("agency", 8), ("campus", 5), ("other", 2)))  # fmt: skip
PLAN_SIZES = Weighted(((0, 50), (1, 22), (2, 14), (3, 9), (4, 5)))
PIPELINES = {
    "Engineering": ("screening", "technical", "system_design", "hr"),
    "Data Science": ("screening", "technical", "managerial", "hr"),
}
DEFAULT_PIPELINE = ("screening", "managerial", "behavioral", "hr")
RECOMMENDATION_RATING = {"strong_hire": 5, "proceed_to_next_round": 4, "hold": 3, "reject": 2}


class RecruitingGenerator:
    def __init__(self, ctx: GenContext, departments: list[dict], employees: list[dict]) -> None:
        self.ctx = ctx
        self.departments = {d["id"]: d for d in departments if d["name"] != vocab.EXECUTIVE_OFFICE}
        self.by_id = {e["id"]: e for e in employees}
        self.staff: dict[str, list[dict]] = defaultdict(list)  # department -> active people
        self.managers: dict[str, list[dict]] = defaultdict(list)
        managers = {e["manager_id"] for e in employees}
        for emp in employees:
            if emp["employment_status"] not in ("terminated", "on_leave"):
                self.staff[emp["department_id"]].append(emp)
                if emp["id"] in managers:
                    self.managers[emp["department_id"]].append(emp)
        self.hr_id = next((d["id"] for d in departments if d["name"] == vocab.HUMAN_RESOURCES), None)
        self.busy: set[tuple[str, dt.datetime]] = set()

    def requisitions(self) -> list[dict]:
        ctx, rng = self.ctx, self.ctx.rng
        if not self.departments:
            return []
        by_size = Weighted([(d, max(1, d["employee_count"])) for d in self.departments.values()])
        count = ctx.scaled(12)
        width = id_width(count, 3)
        result = []
        for number in range(1, count + 1):
            dept = by_size.pick(ctx)
            spec = next(s for s in vocab.DEPARTMENTS if s.name == dept["name"])
            manager = rng.choice(self.managers[dept["id"]] or [self.by_id[dept["head_id"]]])
            level = rng.choices((1, 2, 3, 4, 5), (10, 30, 30, 20, 10))[0]
            title = spec.ic_titles[level - 1]
            status = REQUISITION_STATUSES.pick(ctx)
            headcount = rng.choices((1, 2, 3), (70, 20, 10))[0]
            filled = headcount if status == "filled" else rng.randint(0, headcount - 1)
            created = ctx.days_ago(10, 150)
            location = rng.choice(spec.locations)
            low, high = vocab.SALARY_BANDS[f"L{level}"]
            skills = rng.sample(spec.skills, min(4, len(spec.skills)))
            result.append({
                "id": f"JOB{number:0{width}d}", "updated_at": ctx.updated_at(),
                "requisition_id": f"REQ-{ctx.year}-{number:0{width}d}", "title": title,
                "department": dept["name"], "hiring_manager_id": manager["id"],
                "hiring_manager_name": full_name(manager), "status": status, "headcount": headcount,
                "filled_positions": filled, "location": location,
                "job_type": rng.choices(("full_time", "contract", "intern"), (90, 7, 3))[0],
                "created_date": created.isoformat(),
                "target_hire_date": (created + dt.timedelta(days=rng.randint(60, 120))).isoformat(),
                "description": f"{vocab.COMPANY_NAME} is hiring a {title} to join the {dept['name']} team "
                f"in {location}.",
                "requirements": [f"{rng.randint(1, 8)}+ years with {skill}" for skill in skills[:3]],
                "nice_to_have": skills[3:] + rng.sample(spec.certifications, min(1, len(spec.certifications))),
                "salary_range": {"min": low, "max": high, "currency": "INR"},
            })  # fmt: skip
        return result

    def candidates(self, jobs: list[dict]) -> list[dict]:
        ctx = self.ctx
        if not jobs:
            return []
        names = NamePicker(ctx, vocab.PERSONAL_EMAIL_DOMAINS)
        specs = {spec.name: spec for spec in vocab.DEPARTMENTS}
        skill_pools = {name: ctx.subsets(spec.skills, 2, 5) for name, spec in specs.items()}
        open_jobs = [j for j in jobs if j["status"] in ("open", "on_hold")] or jobs
        count = ctx.scaled(45)
        width = id_width(count, 4)
        result = []
        for number in range(1, count + 1):
            job = ctx.pick(open_jobs) if ctx.random() < 0.9 else ctx.pick(jobs)
            spec = specs[job["department"]]
            first, last, email, _ = names.person()
            cid = f"CAND{number:0{width}d}"
            applied = max(dt.date.fromisoformat(job["created_date"]), ctx.days_ago(5, 90))
            year = ctx.year - ctx.between(1, 15)
            result.append({
                "id": cid, "updated_at": ctx.updated_at(), "candidate_id": cid, "first_name": first,
                "last_name": last, "email": email, "phone": make_phone(ctx, "India"),
                "current_stage": "rejected" if ctx.random() < 0.08 else "applied",
                "applied_for_job_id": job["id"], "applied_for_job_title": job["title"],
                "source": SOURCES.pick(ctx),
                "application_date": min(applied, ctx.reference_date).isoformat(), "status": "active",
                "resume_url": f"https://hrms.{vocab.COMPANY_DOMAIN}/resumes/{cid}.pdf",
                "linkedin_url": f"https://www.linkedin.com/in/{email.split('@')[0].replace('.', '-')}",
                "skills": list(ctx.pick(skill_pools[spec.name])),
                "experience_years": round(ctx.random() * 15, 1), "current_company": ctx.pick(vocab.COMPANIES),
                "current_title": ctx.pick(spec.ic_titles),
                "education": [{"degree": ctx.pick(vocab.DEGREES), "field": ctx.pick(vocab.FIELDS_OF_STUDY),
                               "institution": ctx.pick(vocab.INSTITUTIONS), "year": year}],
                "interview_history": [],
            })  # fmt: skip
        return result

    def interviews(self, jobs: list[dict], candidates: list[dict]) -> list[dict]:
        """Interviews for about half the candidates, totalling the scaled count exactly when possible."""
        ctx, rng = self.ctx, self.ctx.rng
        target = ctx.scaled(23, 0)
        eligible = [c for c in candidates if c["current_stage"] != "rejected"]
        plans = {c["id"]: PLAN_SIZES.pick(ctx) for c in eligible}
        order = list(plans)
        target = min(target, 4 * len(order))
        planned = sum(plans.values())
        while planned != target:  # nudge random candidates until the total is the scaled count
            cid = rng.choice(order)
            if planned > target and plans[cid] > 0:
                plans[cid] -= 1
                planned -= 1
            elif planned < target and plans[cid] < 4:
                plans[cid] += 1
                planned += 1
        jobs_by_id = {j["id"]: j for j in jobs}
        width = id_width(max(target, 1), 4)
        result: list[dict] = []
        for candidate in eligible:
            job = jobs_by_id[candidate["applied_for_job_id"]]
            own = self._candidate_interviews(candidate, job, plans[candidate["id"]], len(result), width)
            result.extend(own)
            candidate.update(candidate_after(candidate, own))
            if candidate["current_stage"] == "offer" and job["status"] == "filled":
                candidate["current_stage"], candidate["status"] = "hired", "hired"
        for candidate in candidates:
            if candidate["current_stage"] == "rejected":
                candidate["status"] = "rejected"
        return result

    def _candidate_interviews(self, candidate, job, count, numbered, width) -> list[dict]:
        ctx, rng = self.ctx, self.ctx.rng
        if count == 0:
            return []
        pipeline = PIPELINES.get(job["department"], DEFAULT_PIPELINE)
        dept_id = next(d["id"] for d in self.departments.values() if d["name"] == job["department"])
        day = dt.date.fromisoformat(candidate["application_date"])
        upcoming = rng.random() < 0.5 or job["status"] not in ("filled", "closed", "cancelled")
        result = []
        for round_ in range(count):
            kind = pipeline[round_]
            last = round_ == count - 1
            future = last and upcoming and rng.random() < 0.6
            if future:
                day = ctx.reference_date + dt.timedelta(days=rng.randint(1, 21))
            else:
                room = max(1, (ctx.reference_date - day).days // (count - round_ + 1))
                day = min(day + dt.timedelta(days=rng.randint(1, room)), ctx.reference_date - dt.timedelta(1))
            interviewer = self._interviewer(kind, dept_id, job)
            start = self._slot(interviewer["id"], day, past=not future)
            status, recommendation = "scheduled", None
            if not future:
                status = rng.choices(("completed", "cancelled", "no_show"), (88, 8, 4))[0] if last else "completed"
                if status == "completed":
                    choices = ("strong_hire", "proceed_to_next_round", "hold", "reject")
                    recommendation = "proceed_to_next_round" if not last else rng.choices(choices, (20, 50, 10, 20))[0]
            outcome = {"strong_hire": "passed", "proceed_to_next_round": "passed"}.get(recommendation or "", "")
            outcome = outcome or ("failed" if recommendation == "reject" else "on_hold")
            number = numbered + round_ + 1
            result.append({
                "id": f"INT{number:0{width}d}", "updated_at": ctx.updated_at(),
                "interview_id": f"INT{number:0{width}d}", "candidate_id": candidate["id"],
                "candidate_name": full_name(candidate), "job_id": job["id"], "job_title": job["title"],
                "interviewer_id": interviewer["id"], "interviewer_name": full_name(interviewer),
                "interviewer_email": interviewer["email"], "scheduled_date": start.isoformat(),
                "duration_minutes": rng.choice((30, 45, 60)), "interview_type": kind, "status": status,
                "meeting_link": meeting_link(rng), "calendar_event_id": calendar_event_id(rng),
                "notes": f"{kind.replace('_', ' ').title()} round for {job['title']}",
                "feedback": rng.choice(vocab.INTERVIEW_FEEDBACK[outcome]) if recommendation else None,
                "rating": RECOMMENDATION_RATING[recommendation] if recommendation else None,
                "recommendation": recommendation,
            })  # fmt: skip
        return result

    def _interviewer(self, kind: str, dept_id: str, job: dict) -> dict:
        rng = self.ctx.rng
        if kind in ("screening", "hr") and self.hr_id and self.staff[self.hr_id]:
            return rng.choice(self.staff[self.hr_id])
        if kind in ("managerial", "behavioral"):
            return self.by_id[job["hiring_manager_id"]]
        return rng.choice(self.staff[dept_id] or [self.by_id[job["hiring_manager_id"]]])

    def _slot(self, interviewer_id: str, day: dt.date, *, past: bool) -> dt.datetime:
        """A free hour on a weekday at 10:00–17:00 IST for this interviewer, near `day`.

        Past interviews stay before the reference date, future ones after it.
        """
        rng, ref = self.ctx.rng, self.ctx.reference_date
        step = dt.timedelta(days=1)
        while True:
            if past and day >= ref:
                day, step = ref - dt.timedelta(days=1), -dt.timedelta(days=1)
            if day.weekday() < 5:
                for _ in range(4):
                    start = dt.datetime.combine(day, dt.time(rng.randint(10, 17)), BUSINESS_TZ)
                    if (interviewer_id, start) not in self.busy:
                        self.busy.add((interviewer_id, start))
                        return start
            day += step
