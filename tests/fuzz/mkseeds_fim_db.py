#!/usr/bin/env python3
"""mkseeds_fim_db.py - write the seed corpus of fuzz_fim_db (tests/fuzz/corpus/fuzz_fim_db/):
baseline files made here with Python's sqlite3, with seawall's exact schema (as in
collectors/file/fim.c) and rows under the root /w the target walks, plus hostile variants:
rows of every wrong type, another application id, a future schema version, a planted
trigger, a damaged page, and non-SQLite bytes. Run from the repository root."""
import os
import sqlite3
import tempfile

D = "tests/fuzz/corpus/fuzz_fim_db"
SCHEMA = [
    "CREATE TABLE files(path BLOB PRIMARY KEY NOT NULL, mode INTEGER NOT NULL, "
    "uid INTEGER NOT NULL, gid INTEGER NOT NULL, size INTEGER NOT NULL, "
    "mtime INTEGER NOT NULL, ctime INTEGER NOT NULL, ino INTEGER NOT NULL, "
    "target BLOB, sha256 BLOB) WITHOUT ROWID",
    "CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value BLOB) WITHOUT ROWID",
    "CREATE TABLE roots(path BLOB PRIMARY KEY NOT NULL, complete INTEGER NOT NULL) "
    "WITHOUT ROWID",
]
APP_ID = 0x5357464D


def make(name, rows, app_id=APP_ID, version=1, extra=(), complete=1, pad=0):
    with tempfile.TemporaryDirectory() as t:
        p = os.path.join(t, "x.db")
        c = sqlite3.connect(p)
        c.execute("PRAGMA page_size=1024")
        for s in SCHEMA:
            c.execute(s)
        c.execute("PRAGMA application_id=%d" % app_id)
        c.execute("PRAGMA user_version=%d" % version)
        c.execute("INSERT INTO roots VALUES(?, ?)", (b"/w", complete))
        c.executemany("INSERT INTO files VALUES(?,?,?,?,?,?,?,?,?,?)", rows)
        for i in range(pad):
            c.execute("INSERT INTO files VALUES(?,?,0,0,1,0,0,?,NULL,?)",
                      (b"/w/pad/%05d" % i, 0o100644, 100 + i, bytes([i & 255]) * 32))
        for s in extra:
            c.execute(s)
        c.commit()
        c.close()
        data = open(p, "rb").read()
    open(os.path.join(D, name), "wb").write(data)
    return data


def main():
    os.makedirs(D, exist_ok=True)
    good = [
        (b"/w/a", 0o100644, 0, 0, 3, 10**18, 10**18, 1, None, b"\x01" * 32),
        (b"/w/b", 0o120777, 0, 0, 6, 0, 0, 2, b"target", b"\x02" * 32),
        (b"/w/d/x", 0o100600, 33, 33, 9, 5, 5, 5, None, None),
        (b"/w/gone", 0o010644, 0, 0, 0, 0, 0, 7, None, None),
        (b"/w/locked/in", 0o100644, 0, 0, 1, 0, 0, 8, None, b"\x08" * 32),
        (b"/elsewhere", 0o100644, 0, 0, 1, 0, 0, 9, None, None),
    ]
    valid = make("valid.db", good)
    make("incomplete_root.db", good, complete=0)
    make("many_rows.db", good, pad=300)
    bad = [
        (b"/w/textmode", "0644", 0, 0, 1, 0, 0, 1, None, None),
        (b"/w/neguid", 0o100644, -1, 0, 1, 0, 0, 2, None, None),
        (b"/w/bigsize", 0o100644, 0, 0, -5, 0, 0, 3, None, None),
        (b"/w/dirmode", 0o040755, 0, 0, 1, 0, 0, 4, None, None),
        (b"/w/shortsha", 0o100644, 0, 0, 1, 0, 0, 5, None, b"\x00" * 31),
        (b"/w/textsha", 0o100644, 0, 0, 1, 0, 0, 6, None, "x" * 32),
        (b"/w/targetonfile", 0o100644, 0, 0, 1, 0, 0, 7, b"t", None),
        (b"/w/nul\x00inside", 0o100644, 0, 0, 1, 0, 0, 8, None, None),
        (b"/w/b", 0o120777, 0, 0, 1, 0, 0, 9, b"a\x00b", None),
        (b"relative", 0o100644, 0, 0, 1, 0, 0, 10, None, None),
        ("/w/textpath", 0o100644, 0, 0, 1, 0, 0, 11, None, None),
        (b"/w/d/hugeino", 0o100644, 0, 0, 1, 2**63 - 1, -2**63, -1, None, None),
    ]
    make("bad_rows.db", bad)
    make("foreign_app.db", good, app_id=0x12345678)
    make("future_version.db", good, version=2)
    make("trigger.db", good, extra=[
        "CREATE TRIGGER t AFTER INSERT ON files BEGIN DELETE FROM files; END"])
    make("extra_index.db", good, extra=["CREATE INDEX i ON files(ino)"])
    damaged = bytearray(valid)
    for i in range(2 * 1024 + 40, min(len(damaged), 2 * 1024 + 200)):
        damaged[i] = 0xFF
    open(os.path.join(D, "damaged_page.db"), "wb").write(bytes(damaged))
    open(os.path.join(D, "header_only.db"), "wb").write(valid[:100])
    open(os.path.join(D, "not_sqlite.db"), "wb").write(b"seawall baseline? no.\n" * 10)
    open(os.path.join(D, "empty.db"), "wb").write(b"")


if __name__ == "__main__":
    main()
