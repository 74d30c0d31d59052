"""Seed script for `canvas run-plugin --db-seed-file devtools/seed_canvas.py`.

The CLI resets its SQLite database, migrates it, then `exec`s this file with a writable
connection (no `__file__`, `__name__ == "__main__"`). It creates the demo staff member and
the three demo patients with their phone contact points, all from `devtools.demo_data`.
"""

import datetime
import os
import sys

# The CLI runs from the project root, but its sys.path starts at .venv/bin.
_project_root = os.environ.get("PLUGIN_DIRECTORY") or os.getcwd()
if _project_root not in sys.path:
    sys.path.insert(0, _project_root)

from canvas_sdk.test_utils.factories import PatientFactory, StaffFactory  # noqa: E402
from canvas_sdk.v1.data import Patient, PatientContactPoint, Staff  # noqa: E402
from canvas_sdk.v1.data.application import Application  # noqa: E402

from devtools import demo_data  # noqa: E402


def seed_staff() -> Staff:
    """Create the demo clinician."""
    member = demo_data.STAFF
    return StaffFactory(
        id=member.key,
        first_name=member.first_name,
        last_name=member.last_name,
        # ArrayFields without a default: NOT NULL on PostgreSQL (SQLite swaps them for JSON lists).
        biological_race_codes=[],
        biological_race_terms=[],
        cultural_ethnicity_codes=[],
        cultural_ethnicity_terms=[],
    )


def seed_patient(patient: demo_data.DemoPatient) -> Patient:
    """Create one demo patient and its phone rows."""
    row = PatientFactory(
        id=patient.key,
        first_name=patient.first_name,
        middle_name="",
        last_name=patient.last_name,
        birth_date=datetime.date.fromisoformat(patient.birth_date),
        sex_at_birth=patient.sex_at_birth,
    )
    for phone in patient.phones:
        PatientContactPoint.objects.create(
            patient=row,
            system="phone",
            value=phone.value,
            use=phone.use,
            use_notes="",
            rank=phone.rank,
            state=phone.state,
            has_consent=phone.has_consent,
            opted_out=phone.opted_out,
            verification_token="",
        )
    return row


def seed_application() -> None:
    """The installed-application row Canvas creates at install; badges name it."""
    Application.objects.update_or_create(
        identifier="twilio_sms_mms.handlers.sms_form_app:SmsFormApp",
        defaults={"name": "SMS Twilio", "description": "Text patients through Twilio."},
    )


def seed() -> None:
    """Create every demo row."""
    seed_application()
    seed_staff()
    for patient in demo_data.PATIENTS:
        seed_patient(patient)


if __name__ == "__main__":
    seed()
