#!/usr/bin/env python3
"""mkseeds_fsevent.py - write the seed corpus of tests/fuzz/fuzz_fsevent.c.

Each seed is one selector byte (0: fanotify, 1: inotify) and a read(2) buffer laid out as
the kernel writes it (little-endian, x86-64): FID-mode fanotify events (create with a
directory record and name, a rename with old and new directory records and the target's
own record, an attribute change with only the file's record, an overflow), a descriptor-mode
close-write, and inotify events (create, the two halves of a rename with their cookie, an
overflow); then the same buffers cut in the middle of a record, with a name lacking its NUL
and with a handle claiming more bytes than its record.

Usage: python3 tests/fuzz/mkseeds_fsevent.py [OUTDIR]   (default tests/fuzz/corpus/fuzz_fsevent)
"""
import os
import struct
import sys

FAN_ATTRIB, FAN_CLOSE_WRITE, FAN_CREATE, FAN_Q_OVERFLOW = 0x4, 0x8, 0x100, 0x4000
FAN_RENAME, FAN_ONDIR = 0x10000000, 0x40000000
T_FID, T_DFID_NAME, T_OLD, T_NEW = 1, 2, 10, 12
IN_CREATE, IN_MOVED_FROM, IN_MOVED_TO, IN_Q_OVERFLOW = 0x100, 0x40, 0x80, 0x4000


def fid_record(rtype, handle, name=None, fsid=(0x1234, 0x5678)):
    body = struct.pack("<ii", *fsid) + struct.pack("<Ii", len(handle), 1) + handle
    if name is not None:
        body += name + b"\0"
    size = 4 + len(body)
    pad = (-size) % 4
    return struct.pack("<BBH", rtype, 0, size + pad) + body + b"\0" * pad


def fan_event(mask, records=b"", fd=-1, pid=4242):
    return struct.pack("<IBBHQii", 24 + len(records), 3, 0, 24, mask, fd, pid) + records


def in_event(wd, mask, cookie=0, name=b""):
    if name:
        padded = name + b"\0" * (16 - len(name) % 16)
    else:
        padded = b""
    return struct.pack("<iIII", wd, mask, cookie, len(padded)) + padded


DIR = bytes.fromhex("0a000000e4a1b2c3")
FILE = bytes.fromhex("0b000000d4e5f607")


def seeds():
    create = fan_event(FAN_CREATE, fid_record(T_DFID_NAME, DIR, b"shell.php"))
    mkdir = fan_event(FAN_CREATE | FAN_ONDIR,
                      fid_record(T_DFID_NAME, DIR, b"uploads") + fid_record(T_FID, FILE))
    rename = fan_event(FAN_RENAME, fid_record(T_OLD, DIR, b"a.tmp") +
                       fid_record(T_NEW, DIR, b"index.php") + fid_record(T_FID, FILE))
    attrib = fan_event(FAN_ATTRIB, fid_record(T_FID, FILE))
    selfattr = fan_event(FAN_ATTRIB | FAN_ONDIR, fid_record(T_DFID_NAME, DIR, b"."))
    overflow = fan_event(FAN_Q_OVERFLOW)
    closew = fan_event(FAN_CLOSE_WRITE, fd=7)
    fan = create + mkdir + rename + attrib + selfattr + overflow
    yield "fan_create", b"\0" + create
    yield "fan_rename", b"\0" + rename
    yield "fan_mixed", b"\0" + fan
    yield "fan_fd", b"\0" + closew + closew
    yield "fan_cut", b"\0" + fan[: len(fan) - 7]
    bad_name = bytearray(create)
    bad_name[-3:] = b"xyz"  # the name's NUL and padding overwritten
    yield "fan_name_no_nul", b"\0" + bytes(bad_name)
    big = bytearray(attrib)
    struct.pack_into("<I", big, 24 + 4 + 8, 4096)  # handle_bytes past the record
    yield "fan_handle_too_long", b"\0" + bytes(big)
    zero = bytearray(overflow)
    struct.pack_into("<I", zero, 0, 0)  # event_len 0
    yield "fan_zero_len", b"\0" + bytes(zero)
    ino = (in_event(1, IN_CREATE, name=b"shell.php") +
           in_event(1, IN_MOVED_FROM, 77, b"a.tmp") +
           in_event(2, IN_MOVED_TO, 77, b"index.php") + in_event(-1, IN_Q_OVERFLOW))
    yield "in_mixed", b"\1" + ino
    yield "in_cut", b"\1" + ino[: len(ino) - 5]
    yield "in_name_no_nul", b"\1" + struct.pack("<iIII", 1, IN_CREATE, 0, 4) + b"abcd"
    yield "in_newline_name", b"\1" + in_event(1, IN_CREATE, name=b"a\nb\xff")
    yield "empty", b"\0"


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/fuzz_fsevent"
    os.makedirs(out, exist_ok=True)
    for name, data in seeds():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
