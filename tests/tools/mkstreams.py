#!/usr/bin/env python3
"""mkstreams.py N BYTES OUT - an Ethernet pcap of N TCP connections, each a handshake, BYTES of
'a' from the client in 1400-byte segments, then FIN both ways. Flow i is
10.9.0.1:(40000 + i) -> 10.9.0.2:9999. For tests that need reassembled streams of a given
size (tests/integration/run_scan_watchdog.sh)."""
import struct
import sys

ETH = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
CLI, SRV = bytes([10, 9, 0, 1]), bytes([10, 9, 0, 2])


def tcp(to_server, sport, flags, seq, ack, payload=b""):
    a, b = (CLI, SRV) if to_server else (SRV, CLI)
    sp, dp = (sport, 9999) if to_server else (9999, sport)
    seg = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, flags, 65535, 0, 0) + payload
    return ETH + struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000, 64, 6, 0,
                             a, b) + seg


def main():
    n, size, out = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    frames = []
    for i in range(n):
        sport, c, s = 40000 + i, 1000, 5000
        frames.append(tcp(True, sport, 0x02, c, 0))
        frames.append(tcp(False, sport, 0x12, s, c + 1))
        c += 1
        frames.append(tcp(True, sport, 0x10, c, s + 1))
        for off in range(0, size, 1400):
            chunk = b"a" * min(1400, size - off)
            frames.append(tcp(True, sport, 0x18, c, s + 1, chunk))
            c += len(chunk)
        frames.append(tcp(True, sport, 0x11, c, s + 1))
        frames.append(tcp(False, sport, 0x11, s + 1, c + 1))
        frames.append(tcp(True, sport, 0x10, c + 1, s + 2))
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for k, fr in enumerate(frames):
            ts = 1700000000 * 1000000 + k * 100
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
            f.write(fr)


if __name__ == "__main__":
    main()
