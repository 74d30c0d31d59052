"""What the chart knows: a patient's phones, who owns a number, staff names."""

from __future__ import annotations

from dataclasses import dataclass

from canvas_sdk.v1.data.patient import Patient, PatientContactPoint
from canvas_sdk.v1.data.staff import Staff

from twilio_sms_mms.services.validation import E164_PATTERN, normalise_phone

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


def patients_with_number(number: str) -> list[str]:
    """Keys of the patients who have this number (normalised) as an active phone."""
    candidates = PatientContactPoint.objects.filter(
        system="phone", state="active", value__endswith=number[-4:]
    ).select_related("patient")
    keys = {
        str(point.patient.id)
        for point in candidates
        if point.patient is not None and normalise_phone(point.value) == number
    }
    return sorted(keys)


def staff_name(staff_id: str) -> str:
    """The staff member's display name ("" when unknown)."""
    staff = Staff.objects.filter(id=staff_id).only("first_name", "last_name").first()
    if staff is None:
        return ""
    return f"{staff.first_name} {staff.last_name}".strip()
