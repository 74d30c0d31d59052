"""What the chart knows: a patient's phones, who owns a number, staff names."""

from __future__ import annotations

from dataclasses import dataclass

from canvas_sdk.caching.plugins import get_cache
from canvas_sdk.v1.data.patient import Patient, PatientContactPoint
from canvas_sdk.v1.data.staff import Staff

from twilio_sms_mms.services.validation import E164_PATTERN, normalise_phone

STAFF_NAME_CACHE_SECONDS = 3600
USE_PREFERENCE = {"mobile": 0, "home": 1, "work": 2, "temp": 3, "other": 4}


@dataclass(frozen=True)
class ChartPhone:
    """One of the patient's active phone numbers on the chart."""

    number: str
    use: str
    rank: int
    has_consent: bool
    opted_out: bool


@dataclass(frozen=True)
class PatientSummary:
    """The patient in context."""

    id: str
    first_name: str
    last_name: str


def patient_summary(patient_id: str) -> PatientSummary | None:
    """The patient's names, or None when the key is unknown."""
    patient = Patient.objects.filter(id=patient_id).only("id", "first_name", "last_name").first()
    if patient is None:
        return None
    return PatientSummary(str(patient.id), patient.first_name or "", patient.last_name or "")


def chart_phones(patient_id: str) -> list[ChartPhone]:
    """The patient's active phones in E.164, best first: mobiles before others, then by rank."""
    points = PatientContactPoint.objects.filter(
        patient__id=patient_id, system="phone", state="active"
    ).order_by("rank")
    phones = [
        ChartPhone(
            number=normalise_phone(point.value),
            use=point.use or "other",
            rank=point.rank or 0,
            has_consent=bool(point.has_consent),
            opted_out=bool(point.opted_out),
        )
        for point in points
    ]
    usable = [phone for phone in phones if E164_PATTERN.match(phone.number)]
    return sorted(usable, key=lambda phone: (USE_PREFERENCE.get(phone.use, 9), phone.rank))


def stored_forms(number: str) -> list[str]:
    """The ways a chart may hold an E.164 number (US numbers are often typed in local formats)."""
    forms = [number, number[1:]]
    if number.startswith("+1") and len(number) == 12:
        area, exchange, line = number[2:5], number[5:8], number[8:]
        forms += [
            f"{area}{exchange}{line}",
            f"({area}) {exchange}-{line}",
            f"({area}){exchange}-{line}",
            f"{area}-{exchange}-{line}",
            f"{area}.{exchange}.{line}",
            f"{area} {exchange} {line}",
            f"1-{area}-{exchange}-{line}",
            f"+1 {area} {exchange} {line}",
            f"+1 ({area}) {exchange}-{line}",
            f"+1-{area}-{exchange}-{line}",
        ]
    return forms


@dataclass(frozen=True)
class NumberOwner:
    """A patient who has a given number on their chart, with that contact point's flags."""

    patient_id: str
    has_consent: bool
    opted_out: bool


def owners_of_number(number: str) -> list[NumberOwner]:
    """Every patient with this number as an active phone, with its consent flags (1 query)."""
    points = PatientContactPoint.objects.filter(
        system="phone", state="active", value__in=stored_forms(number)
    ).values_list("value", "patient__id", "has_consent", "opted_out")
    return [
        NumberOwner(str(patient_key), bool(consent), bool(opted_out))
        for value, patient_key, consent, opted_out in points
        if patient_key and normalise_phone(value) == number
    ]


def patients_by_number(numbers: list[str]) -> dict[str, list[str]]:
    """For each E.164 number, the keys of the patients who have it as an active phone (1 query)."""
    forms = [form for number in numbers for form in stored_forms(number)]
    points = PatientContactPoint.objects.filter(
        system="phone", state="active", value__in=forms
    ).values_list("value", "patient__id")
    owners: dict[str, set[str]] = {number: set() for number in numbers}
    for value, patient_key in points:
        number = normalise_phone(value)
        if number in owners and patient_key:
            owners[number].add(str(patient_key))
    return {number: sorted(keys) for number, keys in owners.items()}


def patients_with_number(number: str) -> list[str]:
    """Keys of the patients who have this number as an active phone."""
    return patients_by_number([number])[number]


def staff_name(staff_id: str) -> str:
    """The staff member's display name ("" when unknown), cached for an hour."""
    cache = get_cache()
    key = f"staff-name:{staff_id}"
    name = cache.get(key)
    if name is None:
        staff = Staff.objects.filter(id=staff_id).only("first_name", "last_name").first()
        name = f"{staff.first_name} {staff.last_name}".strip() if staff else ""
        cache.set(key, name, timeout_seconds=STAFF_NAME_CACHE_SECONDS)
    return str(name)
