#!/usr/bin/env python3
"""pcapclean.py SRC DST - copy a classic pcap file without the records tcpreplay refuses.

tcpreplay stops at the first record whose wire length is past 256 KiB or shorter than what
was captured (the fuzzed captures of the nDPI corpus have such records); the live benchmark
replays a copy without them."""
import struct
import sys


def main():
    src, dst = open(sys.argv[1], "rb"), open(sys.argv[2], "wb")
    hdr = src.read(24)
    dst.write(hdr)
    end = "<" if hdr[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    kept = dropped = 0
    while True:
        rec = src.read(16)
        if len(rec) < 16:
            break
        incl, orig = struct.unpack(end + "II", rec[8:16])
        data = src.read(incl)
        if len(data) < incl:
            break
        if orig <= 65535 and incl <= orig:
            dst.write(rec + data)
            kept += 1
        else:
            dropped += 1
    print("%s: %d packets (%d with impossible lengths left out)" % (sys.argv[2], kept, dropped))


if __name__ == "__main__":
    main()
