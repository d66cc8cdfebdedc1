"""Services and templates are national (shared, read-only to forces) or one force's own."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import delete, select, update

from messaging.db import db
from messaging.models import Campaign, CampaignState, MessageTemplate, Service, TemplateVersion
from messaging.tenancy import ALL_FORCES, NO_FORCE, TenancyError, acting_for
from tests.support.factories import make_force, make_service, make_template, make_user


@pytest.fixture
def reference(app: Flask):  # type: ignore[no-untyped-def]
    a, b = make_force("AAA"), make_force("BBB")
    frank = db.session.scalar(select(Service).where(Service.name == "FRANK"))
    shipped = db.session.scalar(select(MessageTemplate).where(MessageTemplate.force_id.is_(None)))
    return {
        "a": a,
        "b": b,
        "frank": frank,
        "shipped": shipped,
        "service_a": make_service(force=a, name="Open Road A"),
        "service_b": make_service(force=b, name="Open Road B"),
        "template_a": make_template(force=a, name="A's own", slug="local"),
        "template_b": make_template(force=b, name="B's own", slug="local"),
        "officer_a": make_user(role="officer", force=a),
    }


def _ids(statement) -> set[int]:  # type: ignore[no-untyped-def]
    return set(db.session.scalars(statement))


@pytest.mark.postgres
def test_a_force_reads_national_rows_and_its_own_never_another_forces(reference) -> None:  # type: ignore[no-untyped-def]
    r = reference
    version_b = r["template_b"].current.id
    with acting_for(r["a"].id):
        services = _ids(select(Service.id))
        assert r["frank"].id in services and r["service_a"].id in services
        assert r["service_b"].id not in services
        templates = _ids(select(MessageTemplate.id))
        assert {r["shipped"].id, r["template_a"].id} <= templates
        assert r["template_b"].id not in templates
        versions = _ids(select(TemplateVersion.template_id))
        assert r["template_b"].id not in versions and r["template_a"].id in versions
        # identity-map hits too: B's rows are loaded in this session already
        assert db.session.get(Service, r["service_b"].id) is None
        assert db.session.get(TemplateVersion, version_b) is None
        assert db.session.get(Service, r["frank"].id) is r["frank"]
    with acting_for(NO_FORCE):
        assert _ids(select(Service.id)) == set()
    with acting_for(ALL_FORCES):
        assert r["service_b"].id in _ids(select(Service.id))


@pytest.mark.postgres
def test_bulk_updates_and_deletes_reach_only_the_forces_own_rows(reference) -> None:  # type: ignore[no-untyped-def]
    r = reference
    with acting_for(r["a"].id):
        db.session.execute(update(Service).values(hours="changed"))
        db.session.execute(delete(TemplateVersion).where(TemplateVersion.version == 99))
        db.session.commit()
    hours = dict(db.session.execute(select(Service.id, Service.hours)).all())
    assert hours[r["service_a"].id] == "changed"
    assert hours[r["frank"].id] != "changed" and hours[r["service_b"].id] != "changed"


@pytest.mark.postgres
def test_a_national_row_is_written_only_outside_any_forces_scope(reference) -> None:  # type: ignore[no-untyped-def]
    r = reference
    with acting_for(r["a"].id):
        r["frank"].phone = "0800 000 000"
        with pytest.raises(TenancyError, match="national"):
            db.session.flush()
        db.session.rollback()
        db.session.add(
            TemplateVersion(template_id=r["shipped"].id, version=50, body="{{ reply_route }}")
        )
        with pytest.raises(TenancyError, match="national"):
            db.session.flush()
        db.session.rollback()
        db.session.delete(db.session.get(Service, r["frank"].id))
        with pytest.raises(TenancyError, match="national"):
            db.session.flush()
        db.session.rollback()
        own = db.session.get(Service, r["service_a"].id)
        own.force_id = None  # a force cannot make its row national either
        with pytest.raises(TenancyError):
            db.session.flush()
        db.session.rollback()
    with acting_for(ALL_FORCES):  # the system operator
        r["frank"].hours = "24 hours a day"
        db.session.commit()
    assert db.session.get(Service, r["frank"].id).hours == "24 hours a day"


@pytest.mark.postgres
def test_new_rows_take_the_scopes_force_and_versions_their_templates(reference) -> None:  # type: ignore[no-untyped-def]
    r = reference
    with acting_for(r["a"].id):
        service = Service(name="New in A", phone="01234 567890")
        template = MessageTemplate(slug="fresh", name="Fresh", purpose="signposting")
        db.session.add_all([service, template])
        db.session.flush()
        version = TemplateVersion(template_id=template.id, version=1, body="{{ reply_route }}")
        db.session.add(version)
        db.session.commit()
    assert (service.force_id, template.force_id, version.force_id) == (r["a"].id,) * 3
    with acting_for(r["a"].id):  # a version of B's template: its parent is not found
        db.session.add(
            TemplateVersion(template_id=r["template_b"].id, version=2, body="{{ reply_route }}")
        )
        with pytest.raises(TenancyError, match="not in this force"):
            db.session.flush()
        db.session.rollback()
    with acting_for(ALL_FORCES):
        national = Service(name="A new helpline", phone="0800 111 111", national=True)
        db.session.add(national)
        db.session.commit()
    assert national.force_id is None  # not the only force's: national


@pytest.mark.postgres
def test_a_row_may_name_national_reference_data_or_its_own_forces_only(reference) -> None:  # type: ignore[no-untyped-def]
    r = reference
    version_a, version_b = r["template_a"].current.id, r["template_b"].current.id

    def campaign(service: Service) -> Campaign:
        return Campaign(
            force_id=r["a"].id,
            name="x",
            state=CampaignState.DRAFT,
            sender="+447700900000",
            service_id=service.id,
            template_version_id=version_a,
            created_by_id=r["officer_a"].id,
        )

    for scope in (r["a"].id, ALL_FORCES):  # the pipeline and the operator are held too
        with acting_for(scope):
            db.session.add(campaign(r["service_b"]))
            with pytest.raises(TenancyError, match="neither national nor of its force"):
                db.session.flush()
            db.session.rollback()
    with acting_for(r["a"].id):
        fine = [campaign(r["frank"]), campaign(r["service_a"])]
        db.session.add_all(fine)
        db.session.commit()
        fine[0].template_version_id = version_b
        with pytest.raises(TenancyError, match="neither national nor of its force"):
            db.session.flush()
        db.session.rollback()


@pytest.mark.postgres
def test_template_slugs_are_unique_per_force_and_among_national_ones(reference) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy.exc import IntegrityError

    r = reference
    assert r["template_a"].slug == r["template_b"].slug  # two forces, one slug: no clash
    with acting_for(ALL_FORCES):
        db.session.add(MessageTemplate(slug=r["shipped"].slug, name="Twin", purpose="signposting"))
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
        db.session.add(
            MessageTemplate(force_id=r["a"].id, slug="local", name="Again", purpose="signposting")
        )
        with pytest.raises(IntegrityError):
            db.session.flush()
        db.session.rollback()
