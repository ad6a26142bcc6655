"""Rewinds a Tequio SQLite log by raw SQL, as someone with the database could: drops the
append-only guards, removes the newest entries and moves the head back. Used by .ci/run to
check that `tequio witness` reports it.

usage: python3 rewind.py DATABASE ENTRIES
"""

import sqlite3
import sys

path, entries = sys.argv[1], int(sys.argv[2])
db = sqlite3.connect(path, timeout=30)
db.executescript(
    "DROP TRIGGER IF EXISTS audit_log_no_update; DROP TRIGGER IF EXISTS audit_log_no_delete;"
)
(top,) = db.execute("SELECT MAX(seq) FROM audit_log").fetchone()
back_to = top - entries
db.execute("DELETE FROM audit_log WHERE seq > ?", (back_to,))
db.execute(
    "UPDATE audit_head SET seq = ?, hash = (SELECT hash FROM audit_log WHERE seq = ?) WHERE id = 1",
    (back_to, back_to),
)
db.commit()
print(f"rewound the log from entry {top} to entry {back_to}")
