"""Synthetic demo data: a seized line with contacts in Ofcom's drama range, and demo users."""

from __future__ import annotations

import csv
import random
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from campaigns.auth import create_user
from messaging import runtime
from messaging.db import db
from messaging.intake.contact_import import import_contacts
from messaging.models import Line, User

DEMO_USERS = (
    ("officer@pester.test", "officer"),
    ("supervisor@pester.test", "supervisor"),
    ("analyst@pester.test", "analyst"),
    ("admin@pester.test", "admin"),
)
DEMO_PASSWORD = "demo-password-change-me"  # noqa: S105 (a published demo credential)
FIRST_NAMES = ("Jay", "Kez", "Mo", "Dee", "Sam", "Lou", "Ash", "Ty", "Bex", "Rio", "Nat", "Cal")


def write_demo_csv(path: Path, contacts: int, seed: int = 7) -> None:
    """A messy contact export of drama-range numbers, the way handsets and Excel write them."""
    rng = random.Random(seed)
    styles = (
        lambda n: f"07700 {n}",
        lambda n: f"+44 7700 {n}",
        lambda n: f"07700{n}",
        lambda n: f"+44 (0)7700 {n[:3]} {n[3:]}",
        lambda n: f"7700{n}",  # lost its leading zero in Excel
    )
    numbers = rng.sample(range(900000, 901000), min(contacts, 1000))
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Mobile", "Notes"])
        for i, n in enumerate(numbers):
            name = f"{rng.choice(FIRST_NAMES)} {chr(65 + i % 26)}"
            writer.writerow([name, rng.choice(styles)(str(n)), ""])
        writer.writerow(["Junk row", "not a number", ""])


def load_demo(*, contacts: int = 300) -> list[str]:
    """Create demo users and a demo line once; returns lines of instructions to print."""
    settings = runtime.current().settings
    out: list[str] = []
    for email, role in DEMO_USERS:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            create_user(email, role, password=DEMO_PASSWORD, name=f"Demo {role}")
    line = db.session.scalar(select(Line).where(Line.reference == "DEMO/OP-KESTREL/01"))
    if line is None:
        officer = db.session.scalar(select(User).where(User.email == DEMO_USERS[0][0]))
        line = Line(
            reference="DEMO/OP-KESTREL/01",
            name="Kestrel",
            force_area="Demo Constabulary",
            operation="Operation Kestrel (training)",
            exhibit_reference="DEMO-EX-001",
            seized_on=(datetime.now(UTC) - timedelta(days=3)).date(),
            retention_days=settings.default_retention_days,
            created_by_id=officer.id if officer else None,
        )
        db.session.add(line)
        db.session.flush()
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "demo-contacts.csv"
            write_demo_csv(path, contacts)
            report = import_contacts(
                db.session,
                line,
                path,
                filename="demo-contacts.csv",
                textable_regions=settings.textable_regions,
                user_id=officer.id if officer else None,
            )
        db.session.commit()
        out.append(f"demo line {line.reference}: {report.contacts_added} contacts imported")
    else:
        out.append(f"demo line {line.reference} already loaded")
    out.append(f"sign in at http://127.0.0.1:5000 with any of these (password: {DEMO_PASSWORD}):")
    out.extend(f"  {role:<10} {email}" for email, role in DEMO_USERS)
    return out
