"""Two forces full of data, each row marked with its force's word, for the isolation tests."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from redis import Redis
from sqlalchemy import inspect, select

from campaigns.api_tokens import issue_token
from messaging.content.sms_templates import CAMPAIGN_PURPOSES
from messaging.crypto import lookup_hash
from messaging.db import db, utcnow
from messaging.intake.import_jobs import queue_import
from messaging.models import (
    Alert,
    AlertAttempt,
    AlertDelivery,
    Campaign,
    CampaignState,
    Contact,
    ContactImport,
    ContactSource,
    Conversion,
    DoNotContact,
    Force,
    ForceOwned,
    IntelligenceReport,
    Line,
    MessageTemplate,
    OutboxMessage,
    Reply,
    ReplyAnswer,
    ReplyNumber,
    Role,
    Service,
    SharedOrForceOwned,
    Suppression,
    TemplateVersion,
    User,
    campaign_lines,
)
from messaging.records import audit, cross_force_index
from messaging.tenancy import across_forces
from tests.support.factories import make_force, make_user

SHARED = "+447700900999"  # on both forces' lines
ROLES = [str(r) for r in Role if r != Role.NCLCC]


@dataclass
class ForceData:
    force: Force
    marker: str
    numbers: list[str]
    users: dict[str, User] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    ids: dict[str, Any] = field(default_factory=dict)

    def markers(self) -> list[str]:
        """Strings that appear in this force's data and nowhere else."""
        national = [n.replace("+44", "0") for n in self.numbers]
        spaced = [f"{n[:5]} {n[5:]}" for n in national]
        return [self.marker, self.marker.lower(), *self.numbers, *national, *spaced]


def seed_force(code: str, marker: str, numbers: list[str], redis: Redis, tmp: Path) -> ForceData:
    """A force with a user and token of every role, a line with contacts and provenance, an
    import, an A/B campaign with texts, replies, a risk alert, analysts' answers (one sent,
    one waiting for approval), a conversion, an opt-out, a do-not-contact entry, a report,
    audit entries and a queued import job: every text value carries ``marker``."""
    force = make_force(
        code,
        name=f"{code} Police",
        contact_name="DS Jones",
        on_call_email=f"{marker.lower()}-oncall@{code.lower()}.test",
    )
    data = ForceData(force, marker, numbers)
    for role in ROLES:
        user = make_user(
            role=role, email=f"{marker.lower()}-{role}@{code.lower()}.test", force=force
        )
        user.display_name = f"{marker} {role}"
        data.users[role] = user
        data.tokens[role] = issue_token(db.session, user, name=f"{marker} token")[1]
    db.session.commit()
    officer = data.users["officer"]
    line = Line(
        force_id=force.id,
        reference=f"{marker}-REF",
        name=f"{marker}NAME",
        operation=f"{marker}OP",
        exhibit_reference=f"{marker}EX",
        force_area=f"{marker}AREA",
        line_number=numbers[0],
        line_number_hash=lookup_hash(numbers[0]),
        created_by_id=officer.id,
    )
    db.session.add(line)
    db.session.flush()
    contacts = [
        Contact(
            line_id=line.id,
            phone_hash=lookup_hash(n),
            phone=n,
            kind="mobile",
            region="GB",
            textable=True,
            drama=True,
        )
        for n in [*numbers[1:], SHARED]
    ]
    db.session.add_all(contacts)
    db.session.flush()
    cross_force_index.recheck(db.session, [c.phone_hash for c in contacts])  # as imports do
    rejected = [{"position": "row 9", "raw": f"{marker}REJ", "reason": "invalid"}]
    contact_import = ContactImport(
        line_id=line.id,
        filename=f"{marker}FILE.csv",
        file_sha256=marker.lower().ljust(64, "0")[:64],
        format="csv",
        summary={"contacts_added": len(contacts)},
        rejected=json.dumps(rejected),
        imported_by_id=officer.id,
    )
    db.session.add(contact_import)
    db.session.flush()
    db.session.add_all(
        ContactSource(
            contact_id=c.id,
            import_id=contact_import.id,
            position="row 1",
            raw=c.phone,
            saved_name=f"{marker}SAVED",
        )
        for c in contacts
    )
    service, template = _reference_data(force, marker, officer)
    campaign = Campaign(
        force_id=force.id,
        service_id=service.id,
        name=f"{marker}CAMPAIGN",
        state=CampaignState.SENDING,
        sender="+447700900000",
        created_by_id=officer.id,
        lines=[line],
        placeholder_values={"force_name": f"{marker}FORCE"},
        launched_at=utcnow(),
    )
    db.session.add(campaign)
    db.session.flush()
    _make_ab_test(campaign, marker)
    outbox = [
        OutboxMessage(
            campaign_id=campaign.id,
            contact_id=c.id,
            phone_hash=c.phone_hash,
            to=c.phone,
            arm="AB"[i % 2],
            body=f"{marker}TEXT{'AB'[i % 2]} public health message",
            sender="+447700900000",
            segments=1,
            status="delivered",
            provider_id=f"SM{marker.lower()}{i:04d}".ljust(34, "0")[:34],
            submitted_at=utcnow(),
        )
        for i, c in enumerate(contacts)
    ]
    db.session.add_all(outbox)
    db.session.flush()
    replies = []
    for i, c in enumerate(contacts):
        reply = Reply(
            force_id=force.id,
            provider_id=f"SM{marker.lower()}r{i:03d}".ljust(34, "0")[:34],
            phone_hash=c.phone_hash,
            phone=c.phone,
            body=f"{marker}REPLY who gave you my number, try 07700 900888",
            line_id=line.id,
            campaign_id=campaign.id,
            outbox_id=outbox[i].id,
            labels=["supply_intel"],
            risk_kinds=[],
            urgent=i == 0,
            tags=[marker.lower()],
            notes=f"{marker}NOTE",
        )
        db.session.add(reply)
        db.session.flush()
        db.session.add(
            ReplyNumber(
                reply_id=reply.id,
                phone_hash=lookup_hash("+447700900888"),
                phone="+447700900888",
                link="new",
            )
        )
        replies.append(reply)
    suppression = Suppression(
        force_id=force.id,
        phone_hash=lookup_hash(numbers[1]),
        phone=numbers[1],
        source="manual",
        source_detail=f"{marker}DETAIL",
    )
    dnc = DoNotContact(
        force_id=force.id,
        phone_hash=lookup_hash(numbers[2]),
        phone=numbers[2],
        reason=f"{marker}DNC",
        added_by_id=data.users["admin"].id,
    )
    report = IntelligenceReport(
        force_id=force.id,
        line_id=line.id,
        reply_id=replies[0].id,
        title=f"{marker}REPORT",
        body=f"{marker}BODY",
        source_evaluation="2",
        intelligence_assessment="B",
        handling_code="P",
        created_by_id=data.users["analyst"].id,
    )
    db.session.add_all([suppression, dnc, report])
    db.session.flush()
    loop_ids = _close_the_loop(data, replies, outbox)
    audit.append(
        db.session,
        category="consultation",
        action="line_viewed",
        actor=f"user:{officer.id} {officer.email}",
        actor_id=officer.id,
        object_type="line",
        object_id=line.id,
        reason=f"{marker}AUDIT",
        force_id=force.id,
    )
    db.session.commit()
    upload = tmp / f"{marker}-upload.csv"
    upload.write_text("number\n07700900123\n")
    job = queue_import(redis, line_id=line.id, path=upload, filename=upload.name)
    data.ids = {
        "line_id": line.id,
        "campaign_id": campaign.id,
        "reply_id": replies[0].id,
        "import_id": contact_import.id,
        "suppression_id": suppression.id,
        "entry_id": dnc.id,
        "report_id": report.id,
        "user_id": data.users["officer"].id,
        "job_id": job,
        "phone_hash": lookup_hash(numbers[1]),
        "shared_hash": lookup_hash(SHARED),
        "outbox_ids": [o.id for o in outbox],
        "service_id": service.id,
        "template_id": template.id,
        "template_version_id": template.current.id,
        **loop_ids,
    }
    return data


def _reference_data(force: Force, marker: str, officer: User) -> tuple[Service, MessageTemplate]:
    """The force's own service (its campaign signposts it) and template, marked."""
    service = Service(
        force_id=force.id,
        name=f"{marker}SERVICE",
        phone="01702 123456",
        url=f"{marker.lower()}.example.org",
        hours=f"{marker}HOURS",
        areas=f"{marker}AREA",
    )
    template = MessageTemplate(
        force_id=force.id,
        slug="local_signposting",  # the same slug in both forces: per force, no clash
        name=f"{marker}TEMPLATE",
        purpose="signposting",
        description=f"{marker}PURPOSE",
    )
    db.session.add_all([service, template])
    db.session.flush()
    db.session.add(
        TemplateVersion(
            template_id=template.id,
            version=1,
            body="{{ force_name }}: " + f"{marker}WORDING" + " help is there. {{ reply_route }}",
            placeholders=["force_name", "reply_route"],
            created_by_id=officer.id,
        )
    )
    db.session.flush()
    return service, template


def _make_ab_test(campaign: Campaign, marker: str) -> None:
    """Make the campaign an A/B test of two (shared) campaign templates, approved as such."""
    versions = db.session.scalars(
        select(TemplateVersion.id)
        .join(MessageTemplate, MessageTemplate.id == TemplateVersion.template_id)
        .where(MessageTemplate.purpose.in_(CAMPAIGN_PURPOSES))
        .order_by(TemplateVersion.id)
        .limit(2)
    ).all()
    campaign.template_version_id, campaign.template_version_b_id = versions
    campaign.arm_seed = 424242
    campaign.snapshot = {
        "template_version_id": versions[0],
        "template_version_b_id": versions[1],
        "body": f"{marker}TEXTA public health message",
        "body_b": f"{marker}TEXTB public health message",
        "segments": 1,
        "segments_b": 1,
        "sender": "+447700900000",
        "recipient_count": 3,
        "arm_seed": campaign.arm_seed,
    }


def _close_the_loop(data: ForceData, replies: list[Reply], outbox: list[OutboxMessage]) -> dict:
    """The first (risk) reply's alert with its deliveries and attempts, an answer sent to it
    and a free-text answer waiting for approval, and a conversion on its campaign text."""
    marker, analyst = data.marker, data.users["analyst"]
    alert = Alert(reply_id=replies[0].id, round=1, status="sent")
    db.session.add(alert)
    db.session.flush()
    delivery = AlertDelivery(
        alert_id=alert.id,
        channel="email",
        target=f"{data.force.on_call_email} via smtp://{marker.lower()}.mail:25",
        status="sent",
        attempts=1,
        last_error="",
        sent_at=utcnow(),
    )
    db.session.add(delivery)
    db.session.flush()
    db.session.add(AlertAttempt(delivery_id=delivery.id, ok=True, error=""))
    answers = [
        ReplyAnswer(
            reply_id=replies[0].id,
            phone_hash=replies[0].phone_hash,
            kind="free_text",
            body=f"{marker}ANSWER{state} call us back",
            segments=1,
            state=state,
            approval="responder" if state == "approved" else "",
            urgent=True,
            request_key=f"{data.force.code}-{state}-form-key".ljust(32, "0"),
            requested_by_id=analyst.id,
        )
        for state in ("approved", "awaiting_approval")
    ]
    db.session.add_all(answers)
    db.session.flush()
    db.session.add(
        OutboxMessage(
            answer_id=answers[0].id,
            phone_hash=replies[0].phone_hash,
            to=replies[0].phone,
            body="",
            private_body=answers[0].body,
            sender="+447700900000",
            segments=1,
            urgent=True,
            status="delivered",
            provider_id=f"SM{marker.lower()}ans".ljust(34, "0")[:34],
            submitted_at=utcnow(),
        )
    )
    conversion = Conversion(
        outbox_id=outbox[0].id,
        campaign_id=outbox[0].campaign_id,
        reply_id=replies[0].id,
        kind="referred_to_service",
        recorded_by_id=analyst.id,
    )
    db.session.add(conversion)
    db.session.flush()
    return {
        "alert_id": alert.id,
        "answer_id": answers[1].id,
        "sent_answer_id": answers[0].id,
        "request_key": answers[1].request_key,
        "conversion_id": conversion.id,
    }


def _scoped_models() -> list[type]:
    models = [*ForceOwned.__subclasses__(), *SharedOrForceOwned.__subclasses__()]
    return sorted(models, key=lambda c: c.__name__)


def force_rows(force_id: int) -> dict[str, list[tuple]]:
    """Every row of every force-owned table (reference data too) that belongs to
    ``force_id``, as plain values."""
    session = db.session
    session.expire_all()
    snapshot: dict[str, list[tuple]] = {}
    for mapper in _scoped_models():
        table = mapper.__table__  # type: ignore[attr-defined]
        query = select(*table.c).where(table.c.force_id == force_id).order_by(table.c.id)
        snapshot[table.name] = [tuple(row) for row in session.execute(across_forces(query))]
    links = select(campaign_lines).order_by(campaign_lines.c.campaign_id)
    snapshot["campaign_lines"] = [tuple(r) for r in session.execute(across_forces(links))]
    return snapshot


def national_rows() -> dict[str, list[tuple]]:
    """Every national reference row (services, templates, versions), as plain values."""
    session = db.session
    session.expire_all()
    snapshot: dict[str, list[tuple]] = {}
    for model in SharedOrForceOwned.__subclasses__():
        table = model.__table__  # type: ignore[attr-defined]
        query = select(*table.c).where(table.c.force_id.is_(None)).order_by(table.c.id)
        snapshot[table.name] = [tuple(row) for row in session.execute(across_forces(query))]
    return snapshot


def cross_force_references() -> list[str]:
    """Rows pointing at a row of another force (a foreign key across forces): none allowed."""
    session = db.session
    found = []
    owned = {c.__table__.name: c for c in ForceOwned.__subclasses__()}  # type: ignore[attr-defined]
    for name, model in owned.items():
        table = model.__table__  # type: ignore[attr-defined]
        for fk in table.foreign_keys:
            target = fk.column.table
            if target.name not in owned or fk.parent.name == "force_id":
                continue
            query = (
                select(table.c.id)
                .join(target, fk.parent == fk.column)
                .where(table.c.force_id != target.c.force_id)
            )
            bad = session.scalars(across_forces(query)).all()
            found += [f"{name}.{fk.parent.name} row {i}" for i in bad]
    found += _references_to_other_forces_reference_data()
    lines, campaigns = Line.__table__, Campaign.__table__
    mixed = (
        select(campaign_lines.c.campaign_id)
        .join(campaigns, campaigns.c.id == campaign_lines.c.campaign_id)
        .join(lines, lines.c.id == campaign_lines.c.line_id)
        .where(campaigns.c.force_id != lines.c.force_id)
    )
    found += [f"campaign_lines {i}" for i in session.scalars(across_forces(mixed))]
    return found


def column_names(model: type) -> list[str]:
    return [c.key for c in inspect(model).columns]


def _references_to_other_forces_reference_data() -> list[str]:
    """Rows naming a service, template or version of another force (national ones are
    everyone's; a national row may name no force's own)."""
    found = []
    shared = {c.__table__.name for c in SharedOrForceOwned.__subclasses__()}  # type: ignore[attr-defined]
    for model in _scoped_models():
        table = model.__table__  # type: ignore[attr-defined]
        for fk in table.foreign_keys:
            target = fk.column.table
            if target.name not in shared or fk.parent.name == "force_id":
                continue
            target = target.alias("target")
            query = (
                select(table.c.id)
                .join(target, fk.parent == target.c[fk.column.name])
                .where(
                    target.c.force_id.is_not(None),
                    (table.c.force_id.is_(None)) | (table.c.force_id != target.c.force_id),
                )
            )
            bad = db.session.scalars(across_forces(query)).all()
            found += [f"{table.name}.{fk.parent.name} row {i}" for i in bad]
    return found
