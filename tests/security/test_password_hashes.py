"""Passwords are argon2id hashes at the library's recommended cost outside tests."""

from __future__ import annotations

from pathlib import Path

from argon2 import PasswordHasher
from flask import Flask

from campaigns.auth import _hasher_for, authenticate
from messaging import runtime
from messaging.config import load_settings
from messaging.config import test_settings as settings_for_tests
from messaging.db import db
from messaging.models import User
from tests.support.factories import PASSWORD, make_user


def test_a_deployment_hashes_with_argon2id_at_the_recommended_cost(tmp_path: Path) -> None:
    settings = load_settings({"PESTER_INSTANCE_DIR": str(tmp_path)})
    stored = _hasher_for(settings.argon2_profile).hash(PASSWORD)
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PasswordHasher().verify(stored, PASSWORD)  # the library default reads it as its own


def test_only_test_settings_choose_the_cheapest_profile(tmp_path: Path) -> None:
    assert load_settings({"PESTER_INSTANCE_DIR": str(tmp_path)}).argon2_profile != "CHEAPEST"
    assert settings_for_tests(tmp_path).argon2_profile == "CHEAPEST"


def test_a_cheaper_hash_is_upgraded_at_the_next_sign_in(app: Flask) -> None:
    user = make_user()  # hashed at the tests' cheap cost
    strong = _hasher_for("RFC_9106_LOW_MEMORY")
    assert strong.check_needs_rehash(user.password_hash)
    settings = runtime.current().settings
    runtime.configure(settings.with_overrides(argon2_profile="RFC_9106_LOW_MEMORY"))
    try:
        authenticate(user.email, PASSWORD)
    finally:
        runtime.configure(settings)
    db.session.commit()
    db.session.expire_all()
    upgraded = db.session.get(User, user.id).password_hash
    assert upgraded.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert not strong.check_needs_rehash(upgraded)
