"""Benchmark: import a 100,000-row messy CSV extraction into a line, against a naive baseline.

Prints one JSON object. The fast path is pester's import (parse → normalise → de-duplicate →
encrypt → bulk insert, one transaction). The naive baseline parses each row with
phonenumbers and inserts each contact with its own INSERT, the way a first attempt would;
it runs on a sample of rows and is reported as a rate. Each runs in its own process so peak
memory is the import's own. Numbers are random synthetic UK mobiles, never sent anywhere.

    python bench/import_contacts.py [--rows 100000] [--naive-rows 10000]
"""

from __future__ import annotations

import argparse
import csv
import json
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PREFIXES = ("7400", "7500", "7540", "7800", "7900", "7850", "7412", "7520", "7723", "7956")


def _national(rng: random.Random) -> str:
    return "0" + rng.choice(PREFIXES) + f"{rng.randrange(0, 10**6):06d}"


def _messy(national: str, rng: random.Random) -> str:
    digits = national[1:]
    style = rng.randrange(9)
    if style == 0:
        return f"{national[:5]} {national[5:]}"
    if style == 1:
        return f"+44 {digits[:4]} {digits[4:]}"
    if style == 2:
        return f"+44 (0){digits[:4]} {digits[4:7]} {digits[7:]}"
    if style == 3:
        return f"0044{digits}"
    if style == 4:
        return digits  # leading zero lost in Excel
    if style == 5:
        return f"{float(digits):.9E}"  # Excel scientific notation, all digits kept
    if style == 6:
        return f"{national}.0"
    if style == 7:
        return f"{national} mob"
    return national


def write_csv(path: Path, rows: int, seed: int = 2026) -> None:
    """~10% duplicates (the same person written another way), ~5% junk."""
    rng = random.Random(seed)
    seen: list[str] = []
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Mobile Number", "Notes"])
        for i in range(rows):
            roll = rng.random()
            if roll < 0.05:
                raw = rng.choice(["n/a", "withheld", "12345", "unknown", "07700", "call me"])
            elif roll < 0.15 and seen:
                raw = _messy(rng.choice(seen), rng)
            else:
                national = _national(rng)
                seen.append(national)
                raw = _messy(national, rng)
            writer.writerow([f"Contact {i}", raw, ""])


def _setup(workdir: Path):  # type: ignore[no-untyped-def]
    from messaging import runtime
    from messaging.config import test_settings
    from messaging.db import db
    from messaging.migrate import upgrade
    from messaging.models import Line

    settings = test_settings(workdir, database_url=f"sqlite:///{workdir / 'bench.sqlite3'}")
    runtime.configure(settings)
    upgrade(db.engine)
    with db.transaction() as session:
        line = Line(reference="BENCH/1", name="Bench", retention_days=90)
        session.add(line)
    return settings


def _fast(csv_path: str, workdir: str, queue: multiprocessing.Queue) -> None:
    from messaging.db import db
    from messaging.intake.contact_import import import_contacts
    from messaging.models import Line

    settings = _setup(Path(workdir))
    start = time.perf_counter()
    with db.transaction() as session:
        line = session.query(Line).one()
        report = import_contacts(
            session,
            line,
            Path(csv_path),
            filename="bench.csv",
            textable_regions=settings.textable_regions,
        )
    seconds = time.perf_counter() - start
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    queue.put({"seconds": seconds, "peak_mem_mb": peak_mb, "report": report.as_json()})


def _naive(csv_path: str, workdir: str, limit: int, queue: multiprocessing.Queue) -> None:
    import phonenumbers

    from messaging.crypto import lookup_hash
    from messaging.db import db
    from messaging.models import Contact, Line

    _setup(Path(workdir))
    start = time.perf_counter()
    done = 0
    with db.transaction() as session:
        line = session.query(Line).one()
        with open(csv_path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            next(reader)
            for _name, raw, _notes in reader:
                done += 1
                if done > limit:
                    done -= 1
                    break
                try:
                    parsed = phonenumbers.parse(raw, "GB")
                except phonenumbers.NumberParseException:
                    continue
                if not phonenumbers.is_valid_number(parsed):
                    continue
                e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
                kind = phonenumbers.number_type(parsed)
                phone_hash = lookup_hash(e164)
                exists = (
                    session.query(Contact.id)
                    .filter_by(line_id=line.id, phone_hash=phone_hash)
                    .first()
                )
                if exists:
                    continue
                session.add(
                    Contact(
                        line_id=line.id,
                        phone_hash=phone_hash,
                        phone=e164,
                        kind="mobile" if kind == 1 else "other",
                        textable=kind == 1,
                    )
                )
                session.flush()
    queue.put({"seconds": time.perf_counter() - start, "rows": done})


def _run(target, *args):  # type: ignore[no-untyped-def]
    queue: multiprocessing.Queue = multiprocessing.Queue()
    process = multiprocessing.Process(target=target, args=(*args, queue))
    process.start()
    result = queue.get()
    process.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--naive-rows", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="pester-bench-") as tmp:
        root = Path(tmp)
        csv_path = root / "extraction.csv"
        write_csv(csv_path, args.rows)
        (root / "fast").mkdir()
        (root / "naive").mkdir()
        fast = _run(_fast, str(csv_path), str(root / "fast"))
        naive = _run(_naive, str(csv_path), str(root / "naive"), args.naive_rows)
    rows_per_s = args.rows / fast["seconds"]
    naive_per_s = naive["rows"] / naive["seconds"]
    report = fast["report"]
    print(
        json.dumps(
            {
                "rows": args.rows,
                "seconds": round(fast["seconds"], 2),
                "rows_per_s": round(rows_per_s),
                "peak_mem_mb": round(fast["peak_mem_mb"], 1),
                "contacts_added": report["contacts_added"],
                "duplicates": report["duplicates"],
                "rejected": len(report["rejected"]),
                "naive_rows": naive["rows"],
                "naive_rows_per_s": round(naive_per_s),
                "speedup_vs_naive": round(rows_per_s / naive_per_s, 1),
                "database": "sqlite",
                "encryption_at_rest": True,
            }
        )
    )


if __name__ == "__main__":
    main()
