"""Employee endpoints' shapes and the change feed after control-surface changes and a deletion."""

from __future__ import annotations


async def test_directory_lists_current_employees_with_a_field_header(client):
    body = (await client.get("employees/directory")).json()
    assert {"id": "displayName", "type": "text", "name": "Display name"} in body["fields"]
    assert all(e["id"].isdigit() for e in body["employees"])
    assert {"department", "division", "workEmail", "supervisor"} <= set(body["employees"][0])


async def test_employee_has_requested_fields_and_bamboohr_quirks(client):
    fields = "employeeNumber,supervisorEId,supervisor,terminationDate,hireDate,status,employmentHistoryStatus"
    body = (await client.get("employees/5", params={"fields": fields})).json()
    assert body == {
        "id": "5", "employeeNumber": "EMP00005", "supervisorEId": "1", "supervisor": "Falak Dasgupta",
        "terminationDate": "0000-00-00", "hireDate": body["hireDate"], "status": "Active",
        "employmentHistoryStatus": body["employmentHistoryStatus"],
    }  # fmt: skip
    assert len(body["hireDate"]) == 10


async def test_employee_zero_is_the_api_keys_own_employee(client):
    assert (await client.get("employees/0")).json()["id"] == "1"


async def test_cursor_paged_list_walks_every_employee_once(client):
    seen, params = [], {"page[limit]": 40}
    while True:
        body = (await client.get("employees", params=params)).json()
        seen += [row["employeeId"] for row in body["data"]]
        cursor = body["meta"]["page"]["nextCursor"]
        if cursor is None:
            break
        params = {"page[limit]": 40, "page[after]": cursor}
    assert len(seen) == len(set(seen)) == body["meta"]["total"] == 150


async def test_list_filters_by_ids(client):
    body = (await client.get("employees", params={"filter[ids]": "3,7"})).json()
    assert [row["employeeId"] for row in body["data"]] == ["3", "7"]


async def test_tables_have_effective_dated_rows_with_reports_to_as_a_name(client):
    rows = (await client.get("employees/5/tables/jobInfo")).json()
    assert rows[0]["reportsTo"] == "Falak Dasgupta"
    assert {"date", "location", "department", "division", "jobTitle"} <= set(rows[0])
    comp = (await client.get("employees/all/tables/compensation")).json()
    assert len(comp) == 150
    assert comp[0]["payPer"] == "Year"


async def test_custom_report_returns_fields_and_employees(client):
    r = await client.post("reports/custom?format=JSON", json={"title": "t", "fields": ["firstName", "division"]})
    body = r.json()
    assert body["title"] == "t"
    assert [f["id"] for f in body["fields"]] == ["firstName", "division"]
    assert set(body["employees"][0]) == {"id", "firstName", "division"}


async def test_meta_lists_have_department_and_division_options_with_ids(client):
    lists = {item["alias"]: item for item in (await client.get("meta/lists")).json()}
    assert {"department", "division", "location", "jobTitle"} <= set(lists)
    assert {o["name"] for o in lists["division"]["options"]} >= {"Technology", "Go-to-market", "Corporate"}


async def test_changed_feed_shows_updates_inserts_and_deletions(client, control):
    since = (await client.get("employees/changed", params={"since": "2100-01-01T00:00:00Z"})).json()["latest"]
    assert (await control.patch("/_control/employees/EMP00010", json={"job_title": "Chief Tea Officer"})).is_success
    hired = (await control.post("/_control/employees", json={})).json()
    assert (await control.delete("/_control/leave-requests/LEAVE00001")).is_success
    victim = "EMP00150"
    assert (await control.delete(f"/_control/employees/{victim}")).is_success
    body = (await client.get("employees/changed", params={"since": since})).json()
    actions = {k: v["action"] for k, v in body["employees"].items()}
    assert actions["10"] == "Updated"
    assert actions[hired["id"].lstrip("EMP0")] == "Inserted"
    assert actions["150"] == "Deleted"
    assert body["employees"]["10"]["id"] == "10"
    only = (await client.get("employees/changed", params={"since": since, "type": "deleted"})).json()
    assert set(only["employees"]) == {"150"}


async def test_changed_tables_return_rows_of_changed_employees(client, control):
    since = (await client.get("employees/changed", params={"since": "2100-01-01T00:00:00Z"})).json()["latest"]
    await control.patch("/_control/employees/EMP00010", json={"location": "Pune"})
    body = (await client.get("employees/changed/tables/jobInfo", params={"since": since})).json()
    assert body["table"] == "jobInfo"
    assert body["employees"]["10"]["rows"][0]["location"] == "Pune"


async def test_bad_since_is_400(client):
    assert (await client.get("employees/changed", params={"since": "yesterday"})).status_code == 400
