#!/usr/bin/env python3
"""mkseeds_spool.py - write the seed corpus of tests/fuzz/fuzz_spool.c.

Segments built byte by byte in the format of output/spool.c (include/sw/spool.h): a 16-byte
header "SWSPOOL\\x01" + 8 zero bytes, then records: magic "SWR1", body length, CRC-32 (zlib)
of header bytes 12..31 and the body, key length (16 bits), type, severity, seq (64), time
(64), then key and line. Seeds: valid records, a cut tail, a flipped byte mid-segment, a
wrong magic, a length past the end, a length past the record cap, descending seqs, an
empty file, a bare header, and a state file in front (selector byte 0x01).

Usage: python3 tests/fuzz/mkseeds_spool.py [OUTDIR]   (default tests/fuzz/corpus/fuzz_spool)
"""
import os
import struct
import sys
import zlib

HDR = b"SWSPOOL\x01" + b"\x00" * 8


def rec(seq, line, key=b"1:abc=", typ=0, sev=2, ts=1700000000000000, magic=b"SWR1",
        body_len=None):
    body = key + line
    rest = struct.pack("<HBBQQ", len(key), typ, sev, seq, ts)
    crc = zlib.crc32(rest + body) & 0xFFFFFFFF
    n = len(body) if body_len is None else body_len
    return magic + struct.pack("<II", n, crc) + rest + body


def line(i):
    return b'{"timestamp":"2026-11-25T10:00:00.000000+0000","event_type":"alert","n":%d}' % i


def state(seq_reserved=100, front_off=16):
    p = bytearray(128)
    struct.pack_into("<IIQQQQQQQQ", p, 0, 0x54535753, 1, 2, 0x1234, seq_reserved, 3, 1,
                     front_off, 0, 0)
    struct.pack_into("<I", p, 124, zlib.crc32(bytes(p[:124])) & 0xFFFFFFFF)
    return bytes(p) + bytes(128)


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else "tests/fuzz/corpus/fuzz_spool"
    os.makedirs(out, exist_ok=True)
    good = HDR + b"".join(rec(i, line(i)) for i in range(1, 6))
    seeds = {
        "valid": good,
        "cut_tail": good[:-20],
        "flipped_byte": good[:100] + bytes([good[100] ^ 0xFF]) + good[101:],
        "bad_magic": HDR + rec(1, line(1), magic=b"XXXX") + rec(2, line(2)),
        "length_past_end": HDR + rec(1, line(1), body_len=5000),
        "length_past_cap": HDR + rec(1, line(1), body_len=0xFFFFFFFF) + rec(2, line(2)),
        "descending_seq": HDR + rec(5, line(5)) + rec(3, line(3)) + rec(6, line(6)),
        "no_key": HDR + rec(1, line(1), key=b"") + rec(2, line(2), key=b""),
        "empty": b"",
        "header_only": HDR,
        "bad_header": b"NOTSPOOL" + good[8:],
        "with_state": b"\x01" + state() + good,
        "state_front_mid": b"\x01" + state(front_off=16 + len(rec(1, line(1)))) + good,
    }
    for name, data in seeds.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
