"""Benchmark: every force's cross-force links, and the largest force's line network.

Builds a synthetic installation (default 20 forces x 50 lines x 300 contacts, 5% of each
force's contacts drawn from numbers other forces hold too, a few numbers shared between a
force's own lines, and replies naming numbers for the largest force) in a temporary SQLite
database, given planner statistics as pester's imports and tick give them, or with
``--postgres ADMIN_URL`` (default: $PESTER_BENCH_POSTGRES) in a temporary PostgreSQL
database it creates, vacuums and analyzes (as autovacuum would) and drops. Then, in the
same run:

* pester's way: :func:`messaging.audience.cross_force.every_forces_links` (the numbers the
  national index lists as held by two or more forces, and every line's own number, looked
  up by keyed hash; the set-up builds the index as migration 0011 and the hourly rebuild
  do, since its rows go in directly rather than through imports, which list them) and
  :func:`messaging.inbound.network.line_network` for the largest force (the database groups
  the force's numbers, and only those on several lines, or named in replies, come back);
* the naive way: for the links, every line's numbers loaded and every pair of lines of
  different forces intersected; for the network, the force's lines' numbers loaded one
  line at a time, every pair of its lines intersected and every number a reply names
  looked for in every line, then the same nodes and explained edges made from that.

Both must find the same links and the very same network, node for node and edge for edge
(checked). Each is timed warm, pester's way and the naive way taking turns, keeping each
one's best: the links ``--links-repeat`` times (the naive way takes seconds), the network
``--repeat`` times. Prints ONE JSON object with the timings, the speedups (the links, the
network, and both together: ``speedup``) and peak memory (tracemalloc, in a further,
untimed pass of pester's way).

    python bench/forces.py [--forces 20] [--lines 50] [--contacts 300] [--overlap 0.05]
        [--repeat 5] [--links-repeat 3] [--postgres ADMIN_URL]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


@contextmanager
def database(workdir: Path, admin: str | None) -> Iterator[tuple[str, str]]:
    """(URL, kind): a SQLite file in ``workdir``, or a PostgreSQL database made for the run."""
    if not admin:
        yield f"sqlite:///{workdir / 'forces.sqlite3'}", "sqlite"
        return
    import psycopg

    name = f"pester_bench_forces_{os.getpid()}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        base = admin.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://")
        yield f"{base}/{name}", "postgresql"
    finally:
        from messaging.db import db

        db.dispose()
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _configure(workdir: Path, url: str) -> None:
    from messaging import runtime
    from messaging.config import test_settings
    from messaging.db import Base, db

    runtime.configure(test_settings(workdir, database_url=url))
    Base.metadata.create_all(db.engine)


def _number(index: int) -> str:
    return f"+4477{index:08d}"  # synthetic, never dialled: only its keyed hash is stored


def build(forces: int, lines: int, contacts: int, overlap: float, seed: int) -> dict[str, Any]:
    """Write the synthetic installation; returns what the largest force is."""
    from sqlalchemy import insert

    from messaging.crypto import lookup_hash
    from messaging.db import db
    from messaging.models import Contact, Force, Line, Reply, ReplyNumber

    rng = random.Random(seed)
    shared_pool = [
        _number(10_000_000 + i) for i in range(int(forces * lines * contacts * overlap / 3) + 1)
    ]
    next_own = iter(range(1, 10**8))
    hashes: dict[str, str] = {}

    def hashed(number: str) -> str:
        if number not in hashes:
            hashes[number] = lookup_hash(number)
        return hashes[number]

    sizes = {}
    with db.transaction() as session:
        for f in range(forces):
            force = Force(code=f"F{f:02d}", name=f"Force {f}", contact_name=f"DS {f}")
            session.add(force)
            session.flush()
            # the largest force holds half as many lines again
            count = lines + lines // 2 if f == 0 else lines
            sizes[force.id] = count
            line_rows = [
                {
                    "force_id": force.id,
                    "reference": f"F{f:02d}/{i}",
                    "name": "Bench",
                    "force_area": "",
                    "operation": "",
                    "exhibit_reference": "",
                    "line_number_hash": hashed(_number(90_000_000 + f * 1000 + i)),
                    "retention_days": 90,
                }
                for i in range(count)
            ]
            line_ids = session.scalars(
                insert(Line).returning(Line.id, sort_by_parameter_order=True), line_rows
            ).all()
            local = [_number(next(next_own)) for _ in range(count * contacts)]
            rows = []
            for position, line_id in enumerate(line_ids):
                chosen: set[str] = set()
                for k in range(contacts):
                    roll = rng.random()
                    if roll < overlap:
                        number = rng.choice(shared_pool)
                    elif roll < overlap + 0.02:  # shared with the force's own other lines
                        number = local[rng.randrange(len(local))]
                    else:
                        number = local[position * contacts + k]
                    chosen.add(number)
                rows += [
                    {
                        "force_id": force.id,
                        "line_id": line_id,
                        "phone_hash": hashed(n),
                        "kind": "mobile",
                        "textable": True,
                        "drama": False,
                        "suppressed_at_import": False,
                        "do_not_contact_at_import": False,
                        "interactions": 0,
                    }
                    for n in chosen
                ]
            for start in range(0, len(rows), 5000):
                session.execute(insert(Contact), rows[start : start + 5000])
            if f == 0:
                _replies(session, rng, force.id, line_ids, local, hashed, Reply, ReplyNumber)
    largest = max(sizes, key=lambda k: sizes[k])
    return {"largest_force": largest, "largest_force_lines": sizes[largest]}


def _replies(session, rng, force_id, line_ids, local, hashed, Reply, ReplyNumber) -> None:  # type: ignore[no-untyped-def]
    """Replies on the largest force's lines naming its line numbers, contacts and new numbers."""
    from sqlalchemy import insert

    new_numbers = [_number(80_000_000 + i) for i in range(200)]
    replies = []
    for i in range(3000):
        replier = local[rng.randrange(len(local))]
        replies.append(
            {
                "force_id": force_id,
                "provider_id": f"SMBENCH{i:08d}",
                "phone_hash": hashed(replier),
                "to_sender": "",
                "line_id": rng.choice(line_ids),
                "labels": [],
                "risk_kinds": [],
                "why": {},
                "urgent": False,
                "tags": [],
            }
        )
    ids = session.scalars(
        insert(Reply).returning(Reply.id, sort_by_parameter_order=True), replies
    ).all()
    mentions = []
    for reply_id in ids:
        roll = rng.random()
        if roll < 0.3:
            named = _number(90_000_000 + rng.randrange(len(line_ids)))  # a line's own number
        elif roll < 0.6:
            named = local[rng.randrange(len(local))]
        else:
            named = rng.choice(new_numbers)
        mentions.append(
            {"force_id": force_id, "reply_id": reply_id, "phone_hash": hashed(named), "link": "new"}
        )
    session.execute(insert(ReplyNumber), mentions)


def _load_sets(session) -> tuple[dict[int, int], dict[int, set[str]]]:  # type: ignore[no-untyped-def]
    """Every line's force and numbers (contacts and its own number), as the naive way needs."""
    from sqlalchemy import select

    from messaging.models import Contact, Line

    force_of: dict[int, int] = {}
    numbers: dict[int, set[str]] = defaultdict(set)
    for line_id, force_id, own in session.execute(
        select(Line.id, Line.force_id, Line.line_number_hash)
    ):
        force_of[line_id] = force_id
        if own:
            numbers[line_id].add(own)
    for line_id, phone_hash in session.execute(select(Contact.line_id, Contact.phone_hash)):
        numbers[line_id].add(phone_hash)
    return force_of, numbers


def naive_links(session) -> dict[int, int]:  # type: ignore[no-untyped-def]
    """Numbers each force shares with other forces, by intersecting every cross-force pair."""
    force_of, numbers = _load_sets(session)
    linked: dict[int, set[str]] = defaultdict(set)
    for a, b in combinations(sorted(numbers), 2):
        if force_of[a] == force_of[b]:
            continue
        common = numbers[a] & numbers[b]
        if common:
            linked[force_of[a]] |= common
            linked[force_of[b]] |= common
    return {force: len(found) for force, found in linked.items()}


def naive_network(session, force_id: int) -> Any:  # type: ignore[no-untyped-def]
    """The force's network the straightforward way: each line's numbers loaded one line at a
    time, every pair of the force's lines intersected, every number a reply names looked
    for in every line; then the same nodes and explained edges (``assemble``)."""
    from sqlalchemy import select

    from messaging.inbound.network import Findings, assemble
    from messaging.models import Contact, Line, Reply, ReplyNumber
    from messaging.tenancy import acting_for

    with acting_for(force_id):  # the force's rows only, as pester's way reads them
        lines = session.execute(select(Line.id, Line.reference, Line.line_number_hash)).all()
        mentions = session.execute(
            select(ReplyNumber.phone_hash, Reply.id, Reply.line_id, Reply.phone_hash).join(
                Reply, Reply.id == ReplyNumber.reply_id
            )
        ).all()
    # By line id alone (the force's own lines): in the scope, SQLite without statistics may
    # take the force_id index for each line instead, which would slow this way down unfairly.
    contacts = {
        line_id: set(session.scalars(select(Contact.phone_hash).where(Contact.line_id == line_id)))
        - {None}
        for line_id, _, _ in lines
    }
    own = {line_id: number for line_id, _, number in lines if number}
    held = {
        line: numbers | ({own[line]} if line in own else set())
        for line, numbers in contacts.items()
    }
    shared = []
    for a, b in combinations(sorted(held), 2):
        common = held[a] & held[b]
        if common:
            shared.append((a, b, len(common)))
    found = []
    for named, reply_id, from_line, replier in mentions:
        holders = [line_id for line_id, numbers in contacts.items() if named in numbers]
        found += [(named, reply_id, from_line, replier, h) for h in holders or [None]]
    return assemble(Findings(lines, shared, found))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forces", type=int, default=20)
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=300)
    parser.add_argument("--overlap", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=5, help="network timings kept: the best")
    parser.add_argument("--links-repeat", type=int, default=3, help="links timings: the best")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("PESTER_BENCH_POSTGRES"),
        metavar="ADMIN_URL",
        help="run on a temporary PostgreSQL database made through this admin URL",
    )
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="pester-bench-forces-") as tmp,
        database(Path(tmp), args.postgres) as (url, kind),
    ):
        _configure(Path(tmp), url)
        print(json.dumps(run(args, kind)))


def _best(ways: dict[str, Callable[[], Any]], repeat: int) -> dict[str, float]:
    """Each way's best time over ``repeat`` rounds, the ways taking turns in each round."""
    best = dict.fromkeys(ways, float("inf"))
    for _ in range(repeat):
        for name, way in ways.items():
            start = time.perf_counter()
            way()
            best[name] = min(best[name], time.perf_counter() - start)
    return best


def run(args: argparse.Namespace, kind: str) -> dict[str, Any]:
    from sqlalchemy import text

    from messaging.audience.cross_force import every_forces_links
    from messaging.db import db, refresh_planner_statistics
    from messaging.inbound.network import line_network
    from messaging.records import cross_force_index

    started = time.perf_counter()
    shape = build(args.forces, args.lines, args.contacts, args.overlap, args.seed)
    with db.transaction() as session:  # the rows went in directly, not through imports,
        cross_force_index.rebuild(session)  # which list their cross-force numbers as they go
    if kind == "postgresql":  # what autovacuum does to freshly loaded tables
        with db.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(text("VACUUM ANALYZE"))
    else:  # what pester does after each import, and hourly
        with db.engine.begin() as conn:
            refresh_planner_statistics(conn)
    setup = time.perf_counter() - started
    largest = shape["largest_force"]
    with db.transaction() as session:
        links = every_forces_links(session)
        ours = {force: len(found.numbers) for force, found in links.items()}
        naive_links_found = naive_links(session)
        if ours != naive_links_found:
            raise SystemExit(f"the two ways disagree: {ours} != {naive_links_found}")
        network = line_network(session, largest)
        naive = naive_network(session, largest)
        if naive != network:
            raise SystemExit(
                f"the two networks disagree: {len(network.nodes)} nodes and "
                f"{len(network.edges)} edges != {len(naive.nodes)} and {len(naive.edges)}"
            )
        timings = _best(
            {
                "links": lambda: every_forces_links(session),
                "naive_links": lambda: naive_links(session),
            },
            args.links_repeat,
        )
        timings |= _best(
            {
                "network": lambda: line_network(session, largest),
                "naive_network": lambda: naive_network(session, largest),
            },
            args.repeat,
        )
        # Peak memory in a further, traced pass (tracing slows Python down: not timed).
        session.expunge_all()
        tracemalloc.start()
        every_forces_links(session)
        line_network(session, largest)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    kinds: dict[str, int] = defaultdict(int)
    for edge in network.edges:
        kinds[edge.kind] += 1
    return {
        "forces": args.forces,
        "lines_per_force": args.lines,
        "contacts_per_line": args.contacts,
        "overlap": args.overlap,
        "setup_s": round(setup, 1),
        "forces_with_links": len(links),
        "numbers_linked": sum(ours.values()),
        "links_repeat": args.links_repeat,
        "links_s": round(timings["links"], 3),
        "naive_links_s": round(timings["naive_links"], 3),
        "links_speedup": round(timings["naive_links"] / timings["links"], 1),
        "largest_force_lines": shape["largest_force_lines"],
        "network_nodes": len(network.nodes),
        "network_edges": len(network.edges),
        "network_edges_by_kind": dict(sorted(kinds.items())),
        "repeat": args.repeat,
        "network_s": round(timings["network"], 4),
        "naive_network_s": round(timings["naive_network"], 4),
        "network_speedup": round(timings["naive_network"] / timings["network"], 1),
        # both together, as the national job and a force's intelligence page compute them
        "speedup": round(
            (timings["naive_links"] + timings["naive_network"])
            / (timings["links"] + timings["network"]),
            1,
        ),
        "peak_traced_mb": round(peak / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "database": kind,
    }


if __name__ == "__main__":
    main()
