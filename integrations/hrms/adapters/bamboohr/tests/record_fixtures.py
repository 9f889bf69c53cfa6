"""Re-record fixtures/ from the BambooHR simulator (`./dev python -m <this module>`).

Each file is one real simulator answer, named by scenario; the mapper tests read them. Scenarios the generated
world does not produce (an "0000-00-00" hire date, hours, the superceded spelling) are edited copies, noted in
their names (`*_edited.json`), and written here too so re-recording keeps them.
"""

from __future__ import annotations

import asyncio
import copy
from pathlib import Path

import httpx
import orjson

from mock_hrms.vendors.bamboohr import BambooSettings, create_bamboohr_app

from ..mappers import EMPLOYEE_FIELDS
from .conftest import HOST, KEY, SEED, SIZE, delete_an_employee

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


async def record() -> dict[str, object]:
    app = create_bamboohr_app(BambooSettings(seed=SEED, employees=SIZE, applications_page_size=20))
    world = app.state.world
    terminated = next(e for e in world.tables["employees"].values() if e["employment_status"] == "terminated")
    terminated_id = terminated["id"].lstrip("EMP").lstrip("0")
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url=f"{HOST}/api/v1/", auth=(KEY, "x"),
        headers={"Accept": "application/json"},
    ) as client:  # fmt: skip
        fields = ",".join(EMPLOYEE_FIELDS)

        async def get(path: str, **params: object) -> object:
            response = await client.get(path, params=params)
            response.raise_for_status()
            return response.json()

        out: dict[str, object] = {
            "employee_active.json": await get("employees/5", fields=fields),
            "employee_terminated.json": await get(f"employees/{terminated_id}", fields=fields),
            "employment_status_rows_terminated.json": await get(f"employees/{terminated_id}/tables/employmentStatus"),
            "meta_lists.json": await get("meta/lists"),
            "time_off_requests_window.json": (await get("time_off/requests", start="2026-03-01", end="2026-03-31"))[:3],
            "time_off_calculator.json": await get("employees/5/time_off/calculator"),
            "ats_jobs.json": (await get("applicant_tracking/jobs", statusGroups="ALL"))[:2],
            "ats_statuses.json": await get("applicant_tracking/statuses"),
            "ats_application_detail.json": await get("applicant_tracking/applications/1"),
        }
        report = await client.post(
            "reports/custom", params={"format": "JSON"}, json={"title": "t", "fields": ["id", *EMPLOYEE_FIELDS]}
        )
        out["custom_report_employees.json"] = {**report.json(), "employees": report.json()["employees"][:12]}
        control = {"Authorization": f"Bearer {app.state.settings.control_token}"}
        since = world.now().isoformat()
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=HOST, headers=control) as ctl:
            (
                await ctl.patch("/_control/employees/EMP00010", json={"job_title": "Chief Tea Officer"})
            ).raise_for_status()
        await delete_an_employee(app)
        out["employees_changed_update_and_delete.json"] = await get("employees/changed", since=since)
    edited = copy.deepcopy(out["employee_active.json"])
    edited.update({"hireDate": "0000-00-00", "terminationDate": "0000-00-00", "supervisorEId": None})
    out["employee_zero_dates_edited.json"] = edited
    leave = copy.deepcopy(out["time_off_requests_window.json"][0])
    leave["status"]["status"] = "superceded"
    leave["amount"] = {"unit": "hours", "amount": "12"}
    out["time_off_request_superceded_in_hours_edited.json"] = leave
    return out


def main() -> None:
    FIXTURES.mkdir(exist_ok=True)
    for name, body in asyncio.run(record()).items():
        (FIXTURES / name).write_bytes(orjson.dumps(body, option=orjson.OPT_INDENT_2 | orjson.OPT_SORT_KEYS) + b"\n")
        print(f"wrote fixtures/{name}")


if __name__ == "__main__":
    main()
