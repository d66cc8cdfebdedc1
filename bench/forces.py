"""Benchmark: every force's cross-force links, and the largest force's line network.

Builds a synthetic installation (default 20 forces x 50 lines x 300 contacts, 5% of each
force's contacts drawn from numbers other forces hold too, a few numbers shared between a
force's own lines, and replies naming numbers for the largest force), in SQLite by default.
Then, in the same run:

* pester's way: :func:`messaging.audience.cross_force.every_forces_links` (one pass over the
  numbers two or more forces hold, by keyed hash) and
  :func:`messaging.inbound.network.line_network` for the largest force;
* the naive way: every line's numbers loaded, then every pair of lines of different forces
  intersected (for the network, every pair of the force's lines, and every mention looked
  for in every line).

Both must find the same links (checked). Prints ONE JSON object with both timings, the
speedups and peak memory (tracemalloc, in a second, untimed pass of pester's way).

    python bench/forces.py [--forces 20] [--lines 50] [--contacts 300] [--overlap 0.05]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from collections import defaultdict
from itertools import combinations
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def _configure(workdir: Path) -> None:
    from messaging import runtime
    from messaging.config import test_settings
    from messaging.db import Base, db

    runtime.configure(
        test_settings(workdir, database_url=f"sqlite:///{workdir / 'forces.sqlite3'}")
    )
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


def naive_network(session, force_id: int) -> int:  # type: ignore[no-untyped-def]
    """The force's edges, by intersecting every pair of its lines and scanning every line for
    every mentioned number."""
    from sqlalchemy import select

    from messaging.models import Reply, ReplyNumber

    force_of, numbers = _load_sets(session)
    mine = sorted(line for line, force in force_of.items() if force == force_id)
    edges = set()
    for a, b in combinations(mine, 2):
        if numbers[a] & numbers[b]:
            edges.add(("shared", a, b))
    for named, from_line in session.execute(
        select(ReplyNumber.phone_hash, Reply.line_id).join(Reply, Reply.id == ReplyNumber.reply_id)
    ):
        for line in mine:
            if line != from_line and named in numbers[line]:
                edges.add(("reply", from_line, line))
    return len(edges)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--forces", type=int, default=20)
    parser.add_argument("--lines", type=int, default=50)
    parser.add_argument("--contacts", type=int, default=300)
    parser.add_argument("--overlap", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pester-bench-forces-") as tmp:
        _configure(Path(tmp))
        print(json.dumps(run(args)))


def run(args: argparse.Namespace) -> dict[str, Any]:
    from messaging.audience.cross_force import every_forces_links
    from messaging.db import db
    from messaging.inbound.network import line_network

    started = time.perf_counter()
    shape = build(args.forces, args.lines, args.contacts, args.overlap, args.seed)
    setup = time.perf_counter() - started
    largest = shape["largest_force"]
    with db.transaction() as session:
        start = time.perf_counter()
        links = every_forces_links(session)
        links_s = time.perf_counter() - start
        start = time.perf_counter()
        network = line_network(session, largest)
        network_s = time.perf_counter() - start
        # Peak memory in a second, traced pass (tracing slows Python down: not timed).
        session.expunge_all()
        tracemalloc.start()
        every_forces_links(session)
        line_network(session, largest)
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        start = time.perf_counter()
        naive = naive_links(session)
        naive_links_s = time.perf_counter() - start
        start = time.perf_counter()
        naive_edges = naive_network(session, largest)
        naive_network_s = time.perf_counter() - start
    ours = {force: len(found.numbers) for force, found in links.items()}
    if ours != naive:
        raise SystemExit(f"the two ways disagree: {ours} != {naive}")
    edge_keys = {
        ("shared" if e.kind == "shared_numbers" else "reply", e.source, e.target)
        for e in network.edges
        if e.kind in ("shared_numbers", "reply_names_line", "reply_names_contact")
    }
    if len(edge_keys) != naive_edges:
        raise SystemExit(f"the two networks disagree: {len(edge_keys)} != {naive_edges} edges")
    return {
        "forces": args.forces,
        "lines_per_force": args.lines,
        "contacts_per_line": args.contacts,
        "overlap": args.overlap,
        "setup_s": round(setup, 1),
        "forces_with_links": len(links),
        "numbers_linked": sum(ours.values()),
        "links_s": round(links_s, 3),
        "naive_links_s": round(naive_links_s, 3),
        "links_speedup": round(naive_links_s / links_s, 1),
        "largest_force_lines": shape["largest_force_lines"],
        "network_nodes": len(network.nodes),
        "network_edges": len(network.edges),
        "network_s": round(network_s, 3),
        "naive_network_s": round(naive_network_s, 3),
        "network_speedup": round(naive_network_s / network_s, 1),
        "peak_traced_mb": round(peak / 2**20, 1),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "database": "sqlite",
    }


if __name__ == "__main__":
    main()
