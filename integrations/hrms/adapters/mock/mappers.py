"""Canonical API payload -> canonical model. The wire format *is* the canonical model, so mapping is
validation: a record that does not fit becomes InvalidRecord with the payload and the reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hrmodel import canonical as c
from integrations.hrms.mapping import validate_record


def to_canonical_employee(raw: Mapping[str, Any]) -> c.EmployeeDetail:
    return validate_record("employees", c.EmployeeDetail, raw)


def to_canonical_department(raw: Mapping[str, Any]) -> c.Department:
    return validate_record("departments", c.Department, raw)


def to_canonical_job_requisition(raw: Mapping[str, Any]) -> c.JobRequisitionDetail:
    return validate_record("job_requisitions", c.JobRequisitionDetail, raw)


def to_canonical_candidate(raw: Mapping[str, Any]) -> c.CandidateDetail:
    return validate_record("candidates", c.CandidateDetail, raw)


def to_canonical_interview(raw: Mapping[str, Any]) -> c.Interview:
    return validate_record("interviews", c.Interview, raw)


def to_canonical_leave_request(raw: Mapping[str, Any]) -> c.LeaveRequest:
    return validate_record("leave_requests", c.LeaveRequest, raw)


def to_canonical_leave_balance(raw: Mapping[str, Any]) -> c.LeaveBalance:
    values = dict(raw)
    values.setdefault("id", raw.get("employee_id"))
    return validate_record("leave_balances", c.LeaveBalance, values, raw=raw)


def to_canonical_reporting_chain(raw: Mapping[str, Any]) -> c.ReportingChain:
    return validate_record("employees", c.ReportingChain, raw)


def to_canonical_candidate_created(raw: Mapping[str, Any]) -> c.CandidateCreated:
    return validate_record("candidates", c.CandidateCreated, raw)


def to_canonical_interview_scheduled(raw: Mapping[str, Any]) -> c.InterviewScheduled:
    return validate_record("interviews", c.InterviewScheduled, raw)


def to_canonical_leave_request_created(raw: Mapping[str, Any]) -> c.LeaveRequestCreated:
    return validate_record("leave_requests", c.LeaveRequestCreated, raw)
