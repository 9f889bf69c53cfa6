"""The words the generated world is made of: departments, titles, skills, holidays, leave allocations.

Kept apart from the generator so the data can be read (and extended) without reading the algorithm, and so
the write rules (working days, allocations) use exactly the vocabulary the generator used. Names come from
Faker's locale *provider lists* (en_IN and en_US) picked with the world's own Random: calling Faker per
record is far too slow for a 100k-employee world, and its lists are the realistic part.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from faker.providers.person.en_IN import Provider as IndianNames
from faker.providers.person.en_US import Provider as USNames

COMPANY_DOMAIN = "harveycorp.com"
COMPANY_NAME = "Harvey Corp"


@cache
def _ascii_word(name: str) -> str:
    """A name as it may appear in an email local part: ASCII letters only, lower case."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", folded.lower())


def _clean(names) -> tuple[str, ...]:
    return tuple(sorted({n for n in names if _ascii_word(n)}))


# (first names female, first names male, last names): 70% Indian, 30% international.
INDIAN_NAMES = (
    _clean(IndianNames.first_names_female),
    _clean(IndianNames.first_names_male),
    _clean(IndianNames.last_names),
)
INTERNATIONAL_NAMES = (
    _clean(USNames.first_names_female),
    _clean(USNames.first_names_male),
    _clean(USNames.last_names),
)
INDIAN_SHARE = 0.7
email_word = _ascii_word


@dataclass(frozen=True)
class DepartmentSpec:
    """A department template: what its people are called, know and where they sit."""

    name: str
    head_title: str
    manager_titles: tuple[str, ...]  # by depth below the head: director, senior manager, manager
    ic_titles: tuple[str, ...]  # by level L1..L5
    skills: tuple[str, ...]
    certifications: tuple[str, ...]
    locations: tuple[str, ...]
    weight: float  # share of the headcount
    parent: str | None = None  # the department whose head this head reports to (a VP), else the CEO


EXECUTIVE_OFFICE = "Executive Office"
HUMAN_RESOURCES = "Human Resources"

DEPARTMENTS: tuple[DepartmentSpec, ...] = (
    DepartmentSpec(
        EXECUTIVE_OFFICE, "Chief Executive Officer", ("Chief of Staff",), ("Executive Assistant",) * 5,
        ("Strategy", "Leadership", "Stakeholder Management"), (), ("Bangalore",), 0.0,
    ),
    DepartmentSpec(
        "Engineering", "VP of Engineering",
        ("Director of Engineering", "Senior Engineering Manager", "Engineering Manager"),
        ("Associate Software Engineer", "Software Engineer", "Senior Software Engineer",
         "Staff Software Engineer", "Principal Engineer"),
        ("Python", "Django", "Go", "Java", "React", "TypeScript", "AWS", "Kubernetes", "PostgreSQL", "Kafka"),
        ("AWS Solutions Architect", "Certified Kubernetes Administrator", "Google Cloud Professional"),
        ("Bangalore", "Pune", "Hyderabad", "London", "San Francisco"), 0.30,
    ),
    DepartmentSpec(
        "Product", "VP of Product", ("Director of Product", "Group Product Manager", "Senior Product Manager"),
        ("Associate Product Manager", "Product Manager", "Senior Product Manager", "Lead Product Manager",
         "Principal Product Manager"),
        ("Roadmapping", "User Research", "SQL", "A/B Testing", "Jira", "Stakeholder Management"),
        ("Certified Scrum Product Owner", "Pragmatic Institute PMC"), ("Bangalore", "San Francisco"), 0.07,
    ),
    DepartmentSpec(
        "Design", "Head of Design", ("Design Director", "Design Manager", "Lead Designer"),
        ("Associate Product Designer", "Product Designer", "Senior Product Designer", "Lead Product Designer",
         "Principal Designer"),
        ("Figma", "Prototyping", "Design Systems", "Usability Testing", "Illustration"),
        ("Nielsen Norman UX Certification",), ("Bangalore", "Mumbai"), 0.04,
    ),
    DepartmentSpec(
        "Sales", "VP of Sales", ("Regional Sales Director", "Sales Manager", "Team Lead, Sales"),
        ("Sales Development Representative", "Account Executive", "Senior Account Executive",
         "Enterprise Account Executive", "Strategic Account Director"),
        ("Salesforce", "Negotiation", "Prospecting", "Account Management", "HubSpot"),
        ("Salesforce Certified Sales Cloud Consultant", "MEDDIC"),
        ("Mumbai", "Delhi NCR", "Singapore", "London", "San Francisco"), 0.12,
    ),
    DepartmentSpec(
        "Marketing", "VP of Marketing", ("Director of Marketing", "Marketing Manager", "Team Lead, Marketing"),
        ("Marketing Associate", "Marketing Specialist", "Senior Marketing Specialist", "Marketing Lead",
         "Principal Marketer"),
        ("SEO", "Content Strategy", "Google Analytics", "Campaign Management", "Brand Strategy"),
        ("Google Ads Certification", "HubSpot Inbound Marketing"), ("Mumbai", "Bangalore", "London"), 0.06,
    ),
    DepartmentSpec(
        "Finance", "Chief Financial Officer", ("Finance Director", "Finance Manager", "Accounts Manager"),
        ("Accounts Executive", "Financial Analyst", "Senior Financial Analyst", "Finance Lead",
         "Principal Financial Analyst"),
        ("Financial Modeling", "Tally", "SAP FICO", "Excel", "IFRS", "GST Compliance"),
        ("Chartered Accountant", "CFA Level II", "ACCA"), ("Mumbai", "Bangalore"), 0.05,
    ),
    DepartmentSpec(
        HUMAN_RESOURCES, "Chief People Officer", ("HR Director", "HR Manager", "HR Business Partner"),
        ("HR Associate", "HR Generalist", "Senior HR Generalist", "Talent Acquisition Lead",
         "Principal HR Business Partner"),
        ("Recruiting", "Employee Relations", "Payroll", "HRIS", "Compensation & Benefits"),
        ("SHRM-CP", "PHR"), ("Bangalore", "Pune", "Delhi NCR"), 0.05,
    ),
    DepartmentSpec(
        "Operations", "VP of Operations", ("Director of Operations", "Operations Manager", "Team Lead, Ops"),
        ("Operations Associate", "Operations Analyst", "Senior Operations Analyst", "Operations Lead",
         "Principal Program Manager"),
        ("Process Improvement", "Vendor Management", "Six Sigma", "Logistics", "Excel"),
        ("PMP", "Six Sigma Green Belt"), ("Pune", "Chennai", "Hyderabad"), 0.08,
    ),
    DepartmentSpec(
        "Customer Success", "VP of Customer Success",
        ("Director of Customer Success", "Customer Success Manager, Team Lead", "Support Manager"),
        ("Support Associate", "Customer Success Associate", "Customer Success Manager",
         "Senior Customer Success Manager", "Principal Customer Success Manager"),
        ("Zendesk", "Onboarding", "Account Health", "Escalation Management", "Gainsight"),
        ("Certified Customer Success Manager",), ("Chennai", "Hyderabad", "Singapore"), 0.10,
    ),
    DepartmentSpec(
        "Legal", "General Counsel", ("Legal Director", "Senior Legal Counsel", "Legal Manager"),
        ("Paralegal", "Legal Counsel", "Senior Legal Counsel", "Lead Counsel", "Principal Counsel"),
        ("Contract Drafting", "Data Privacy", "Corporate Law", "Compliance", "Litigation"),
        ("CIPP/E", "Bar Council of India"), ("Mumbai", "Delhi NCR", "London"), 0.03,
    ),
    DepartmentSpec(
        "Data Science", "Head of Data Science", ("Director of Data Science", "Data Science Manager",
                                                 "Lead Data Scientist"),
        ("Associate Data Scientist", "Data Scientist", "Senior Data Scientist", "Staff Data Scientist",
         "Principal Data Scientist"),
        ("Python", "Machine Learning", "SQL", "PyTorch", "Statistics", "Spark"),
        ("TensorFlow Developer Certificate", "AWS Machine Learning Specialty"), ("Bangalore", "Hyderabad"),
        0.06, parent="Engineering",
    ),
    DepartmentSpec(
        "IT", "Head of IT", ("IT Director", "IT Manager", "IT Team Lead"),
        ("IT Support Associate", "Systems Administrator", "Senior Systems Administrator",
         "IT Infrastructure Lead", "Principal IT Architect"),
        ("Active Directory", "Networking", "Okta", "Jamf", "Endpoint Security"),
        ("CompTIA Security+", "ITIL Foundation", "CCNA"), ("Bangalore", "Pune"), 0.04,
        parent="Operations",
    ),
)  # fmt: skip

# Salary bands L1..L8 (annual INR); the head of a department is L8, a leaf engineer L1..L5.
SALARY_BANDS: dict[str, tuple[int, int]] = {
    "L1": (400_000, 800_000),
    "L2": (800_000, 1_400_000),
    "L3": (1_400_000, 2_200_000),
    "L4": (2_200_000, 3_400_000),
    "L5": (3_400_000, 5_000_000),
    "L6": (5_000_000, 7_000_000),
    "L7": (7_000_000, 10_000_000),
    "L8": (10_000_000, 16_000_000),
}
PERFORMANCE_RATINGS = (2.5, 3.0, 3.0, 3.5, 3.5, 3.5, 4.0, 4.0, 4.0, 4.5, 4.5, 5.0)

DEGREES = ("B.Tech", "B.E.", "M.Tech", "MBA", "B.Sc", "M.Sc", "B.Com", "BBA", "M.S.", "B.Des")
FIELDS_OF_STUDY = ("Computer Science", "Electronics", "Mechanical Engineering", "Mathematics", "Economics",
                   "Commerce", "Design", "Statistics", "Information Technology", "Business Administration")  # fmt: skip
INSTITUTIONS = ("IIT Bombay", "IIT Delhi", "IIT Madras", "IIT Kharagpur", "BITS Pilani", "NIT Trichy",
                "IIIT Hyderabad", "Anna University", "VIT Vellore", "Delhi University", "IIM Ahmedabad",
                "IIM Bangalore", "University of Mumbai", "Stanford University", "National University of "
                "Singapore", "University College London")  # fmt: skip
COMPANIES = ("Infosys", "TCS", "Wipro", "Flipkart", "Swiggy", "Zomato", "Razorpay", "Freshworks", "Accenture",
             "Amazon", "Google", "Microsoft", "Paytm", "Ola", "HCLTech", "Zoho", "PhonePe", "CRED")  # fmt: skip
LEAVE_REASONS = {
    "annual": ("Family vacation", "Travel abroad", "Wedding in the family", "Personal time off", "Festival trip"),
    "sick": ("Fever", "Viral infection", "Medical appointment", "Recovering from surgery", "Migraine"),
    "casual": ("Personal work", "Moving house", "Bank work", "Child's school event", "Visa appointment"),
    "maternity": ("Maternity leave",),
    "paternity": ("Paternity leave",),
    "unpaid": ("Extended personal leave", "Study leave"),
}
INTERVIEW_FEEDBACK = {
    "passed": ("Strong fundamentals and clear communication.", "Solid problem solving; good culture fit."),
    "failed": ("Struggled with the core exercise.", "Not enough depth for the level."),
    "on_hold": ("Mixed signals; needs another conversation.",),
}

# Leave allocation per year (days). Annual grows with tenure; maternity only for eligible employees.
ANNUAL_BY_TENURE = ((5, 24), (2, 21), (0, 18))  # (at least N full years, days)
LEAVE_ALLOCATION = {"sick": 12, "casual": 8, "maternity": 182, "paternity": 15, "unpaid": 0}
UNLIMITED_LEAVE_TYPES = frozenset({"unpaid"})  # no balance check: the pay is what is lost


def annual_allocation(hire_date: dt.date, on: dt.date) -> int:
    years = (on - hire_date).days // 365
    for min_years, days in ANNUAL_BY_TENURE:
        if years >= min_years:
            return days
    return ANNUAL_BY_TENURE[-1][1]


# Public holidays (India). Fixed-date ones apply every year; moving festivals are listed per year.
FIXED_HOLIDAYS = ((1, 1), (1, 26), (5, 1), (8, 15), (10, 2), (12, 25))
MOVING_HOLIDAYS: dict[int, tuple[tuple[int, int], ...]] = {
    2024: ((3, 25), (4, 11), (10, 12), (11, 1)),  # Holi, Id-ul-Fitr, Dussehra, Diwali
    2025: ((3, 14), (3, 31), (10, 2), (10, 20)),
    2026: ((3, 4), (3, 21), (10, 20), (11, 8)),
    2027: ((3, 22), (3, 10), (10, 9), (10, 29)),
}


def public_holidays(year: int) -> frozenset[dt.date]:
    days = FIXED_HOLIDAYS + MOVING_HOLIDAYS.get(year, ())
    return frozenset(dt.date(year, month, day) for month, day in days)


PERSONAL_EMAIL_DOMAINS = ("gmail.com", "outlook.com", "yahoo.co.in", "hotmail.com", "proton.me")
