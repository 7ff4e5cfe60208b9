#!/usr/bin/env python3
"""mkflows.py N OUT [FIRST] - a pcap of N UDP packets, each its own flow (distinct 5-tuple);
flows FIRST..FIRST+N-1 of the same sequence (default 0), so two files can hold different flows.

For the memory figure of `make bench`: seawall's RSS once it holds N flows (the default
network.max_flows is 1,000,000). Ethernet/IPv4/UDP, 64-byte frames, 1 us apart."""
import struct
import sys


def main():
    n, out = int(sys.argv[1]), sys.argv[2]
    first = int(sys.argv[3]) if len(sys.argv) > 3 else 0
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        eth = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
        payload = b"seawall-bench-flow" + b"\x00" * 4
        for i in range(first, first + n):
            src = 0x0A000000 | (i >> 8)          # 10.0.0.0/8: one address per 256 flows
            sport = 1024 + (i & 0xFF)
            udp = struct.pack("!HHHH", sport, 53, 8 + len(payload), 0) + payload
            ip = struct.pack("!BBHHHBBHII", 0x45, 0, 20 + len(udp), i & 0xFFFF, 0, 64, 17, 0,
                             src, 0xC0A80001)
            frame = eth + ip + udp
            ts = 1700000000 * 1000000 + i
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
