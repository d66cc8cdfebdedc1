"""schemathesis against /api/v1/openapi.json with the app served over HTTP.

For an officer's token and an analyst's, schemathesis runs its coverage, fuzzing and
stateful phases (valid and invalid data, following the document's links from each create
to what it created) and every check but one: no 500s, every status, content type, header
and body as documented, invalid input refused, unauthenticated calls refused, undocumented
methods answered 405.

Left out: ``positive_data_acceptance``, which expects every schema-valid request to
succeed. Some rules cannot be said in JSON Schema (a valid phone number, a template that
exists, a send window that ends after it starts, a file the parsers can read); the API
answers those 422 with a per-field message, as each operation documents.

Bounded to run in well under a minute: few examples per operation, one worker, a fixed
seed (so CI is repeatable), a per-request timeout and an overall deadline. For a deeper run
set PESTER_FUZZ_EXAMPLES (e.g. 200) and PESTER_FUZZ_SEED (any integer).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from campaigns import lifecycle
from campaigns.api_tokens import issue_token
from messaging import runtime
from messaging.audience.suppression import suppress
from messaging.db import db
from messaging.inbound.replies import receive_reply
from messaging.models import MessageTemplate, Service
from tests.support.factories import make_contacts, make_line, make_user
from tests.support.live import live_stack

EXAMPLES = int(os.environ.get("PESTER_FUZZ_EXAMPLES", "8"))
SEED = int(os.environ.get("PESTER_FUZZ_SEED", "20260101"))
DEADLINE_S = 150  # for each role's run; a normal one takes about 15 s


def _seed_data() -> dict[str, str]:
    """A little of everything, so generated ids (1 above all) reach real objects."""
    officer, analyst = make_user(role="officer"), make_user(role="analyst")
    line = make_line(reference="FUZZ/1", line_number="+447700900800")
    make_contacts(line, ["07700 900801", "07700 900802", "07700 900803"])
    template = db.session.scalar(
        select(MessageTemplate).where(MessageTemplate.slug == "treatment_signposting")
    )
    service = db.session.scalar(select(Service).where(Service.name == "FRANK"))
    draft = lifecycle.CampaignDraft(
        name="Fuzz",
        line_ids=(line.id,),
        template_version_id=template.current.id,
        service_id=service.id,
        sender="+447700900000",
        force_name="Testshire Police",
        reply_route="Reply STOP to opt out.",
    )
    settings = runtime.current().settings
    lifecycle.create_campaign(db.session, draft, officer)
    submitted = lifecycle.create_campaign(db.session, draft, officer)
    lifecycle.submit(db.session, submitted, officer, settings=settings)
    db.session.commit()
    receive_reply(
        db.session,
        {
            "MessageSid": "SM-fuzz-1",
            "From": "+447700900801",
            "To": "+447700900000",
            "Body": "who is this? try 07700 900999",
        },
    )
    suppress(db.session, "+447700900802", source="reply")
    db.session.commit()
    tokens = {}
    for role, user in (("officer", officer), ("analyst", analyst)):
        _token, tokens[role] = issue_token(db.session, user, name="schemathesis")
    db.session.commit()
    return tokens


def _schemathesis(url: str, token: str, workdir: Path) -> subprocess.CompletedProcess[str]:
    command = [
        sys.executable,
        "-m",
        "schemathesis.cli",
        "run",
        url,
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--exclude-checks",
        "positive_data_acceptance",
        "--mode",
        "all",
        "--phases",
        "coverage,fuzzing,stateful",
        "--max-examples",
        str(EXAMPLES),
        "--seed",
        str(SEED),
        "--workers",
        "1",
        "--request-timeout",
        "10",
        "--generation-database",
        "none",
        "--no-color",
    ]
    # Run in an empty folder so no stray schemathesis.toml or .hypothesis is picked up.
    return subprocess.run(
        command, cwd=workdir, capture_output=True, text=True, timeout=DEADLINE_S, check=False
    )


def test_schemathesis_finds_no_server_errors_or_schema_violations(
    tmp_path: Path, database_url: str, redis_db_url: str
) -> None:
    with live_stack(tmp_path, database_url=database_url, redis_url=redis_db_url) as stack:
        with stack.app.app_context():
            tokens = _seed_data()
        url = f"{stack.base_url}/api/v1/openapi.json"
        for role in ("officer", "analyst"):
            workdir = tmp_path / f"schemathesis-{role}"
            workdir.mkdir()
            result = _schemathesis(url, tokens[role], workdir)
            report = result.stdout + result.stderr
            assert result.returncode == 0, f"schemathesis as {role}:\n{report[-20000:]}"
            # A run that tested nothing would also exit 0: make sure it did the work.
            selected = re.search(r"Selected: (\d+)/(\d+)", report)
            tested = re.search(r"Tested: (\d+)", report)
            cases = re.search(r"(\d+) generated, (\d+) passed", report)
            assert selected and tested and cases, report[-3000:]
            assert int(tested.group(1)) == int(selected.group(2)) >= 20
            assert int(cases.group(1)) == int(cases.group(2)) >= 10 * EXAMPLES
