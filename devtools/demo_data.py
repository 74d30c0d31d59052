"""The demo facts shared by the local stack, the seed script, the tests and the Twilio stand-in.

Everything here is fake but well-formed, so the plugin's validation accepts it. Keys are fixed
so chart URLs stay stable between runs.
"""

from dataclasses import dataclass, field

# Credentials of the Twilio stand-in (never real ones).
ACCOUNT_SID = "AC" + "c1e0e988dce0649951e38510c029d60e"
API_KEY = "SK" + "4bb72a4f1c01b0f523c89142cee09655"
API_SECRET = "demo-api-secret-c420b36e633f85c7"
AUTH_TOKEN = "22c394003ac59498f94226a7f9fc517a"

AUTO_REPLY_TEXT = (
    "Thanks for your message. Our team will reply during office hours. For emergencies call 911."
)

PRACTICE_NAME = "Riverside Family Clinic"
HELP_REPLY_TEXT = "Riverside Family Clinic texts about your care. Call (555) 010-0001 for help."
QUICK_REPLIES = (
    {
        "name": "Appointment reminder",
        "text": "Hi {patient_first_name}, this is {practice_name}: a reminder of your appointment "
        "tomorrow. Reply C to confirm.",
    },
    {
        "name": "Lab results ready",
        "text": "Hi {patient_first_name}, your lab results are ready. Please call {practice_name} "
        "to go over them.",
    },
    {"name": "Call us", "text": "Hi {patient_first_name}, please call {practice_name} today."},
)


@dataclass(frozen=True)
class PracticeNumber:
    """A number the practice owns at Twilio."""

    phone_number: str
    label: str
    sms: bool
    mms: bool


MAIN_LINE = PracticeNumber("+15550100001", "Main line", sms=True, mms=True)
SMS_LINE = PracticeNumber("+15550100002", "SMS only line", sms=True, mms=False)
PRACTICE_NUMBERS: tuple[PracticeNumber, ...] = (MAIN_LINE, SMS_LINE)


@dataclass(frozen=True)
class StaffMember:
    """The clinician the chart preview logs in as."""

    key: str
    first_name: str
    last_name: str
    title: str = "Dr."

    @property
    def display_name(self) -> str:
        """Name as the chart shows it, e.g. 'Dr. Ana Reyes'."""
        return f"{self.title} {self.first_name} {self.last_name}"


STAFF = StaffMember(key="97bae34b19c9b195ed956b584340d439", first_name="Ana", last_name="Reyes")


@dataclass(frozen=True)
class ContactPhone:
    """A phone row of a patient's chart (a PatientContactPoint with system=phone)."""

    value: str
    use: str
    rank: int
    has_consent: bool
    opted_out: bool
    state: str = "active"


@dataclass(frozen=True)
class DemoPatient:
    """A patient of the demo practice."""

    key: str
    first_name: str
    last_name: str
    birth_date: str
    sex_at_birth: str
    phones: tuple[ContactPhone, ...] = field(default_factory=tuple)

    @property
    def display_name(self) -> str:
        """First and last name."""
        return f"{self.first_name} {self.last_name}"


MARIA = DemoPatient(
    key="1a83ad9107d4c2722fe21e7ad6c6c75a",
    first_name="Maria",
    last_name="Lopez",
    birth_date="1984-03-12",
    sex_at_birth="F",
    phones=(
        ContactPhone("+15550123456", "mobile", rank=1, has_consent=True, opted_out=False),
        ContactPhone("+15550123400", "home", rank=2, has_consent=True, opted_out=False),
    ),
)
JOHN = DemoPatient(
    key="9071d09e9d5e90e17d3f5ed4c3713fcd",
    first_name="John",
    last_name="Carter",
    birth_date="1957-11-02",
    sex_at_birth="M",
    phones=(ContactPhone("+15550199999", "mobile", rank=1, has_consent=True, opted_out=True),),
)
ADA = DemoPatient(
    key="29522bb2378dc0c174042abd6ddfc95b",
    first_name="Ada",
    last_name="Kim",
    birth_date="1999-07-30",
    sex_at_birth="F",
)
PATIENTS: tuple[DemoPatient, ...] = (MARIA, JOHN, ADA)

# A number that texts the practice but belongs to no chart.
UNKNOWN_TEXTER = "+15550177777"


def patient_by_key(key: str) -> DemoPatient | None:
    """Return the demo patient with this key, or None."""
    return next((p for p in PATIENTS if p.key == key), None)
