#!/usr/bin/env python3
"""mkrtestpcap.py OUT - the capture of tests/data/rules-tests: one HTTP/1.1 exchange over TCP,
10.1.0.1:40001 -> 192.0.2.10:80 (handshake, a POST of a 60-byte body to /upload.php with the
numeric Host 192.0.2.10, a 200 answer with an HTML body, FIN both ways). The request body
holds the marker SEAWALL-RTEST-UPLOAD, the answer SEAWALL-RTEST-STORED. Byte-for-byte the
same on every run (fixed timestamps and sequence numbers): tests/integration/
rules_test_cli.sh regenerates it and compares with the committed file."""
import struct
import sys

ETH = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
CLI, SRV = bytes([10, 1, 0, 1]), bytes([192, 0, 2, 10])
SPORT, DPORT = 40001, 80


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def tcp(to_server, flags, seq, ack, payload=b""):
    a, b = (CLI, SRV) if to_server else (SRV, CLI)
    sp, dp = (SPORT, DPORT) if to_server else (DPORT, SPORT)
    seg = struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, flags, 65535, 0, 0) + payload
    pseudo = a + b + struct.pack("!BBH", 0, 6, len(seg))
    seg = seg[:16] + struct.pack("!H", csum(pseudo + seg)) + seg[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(seg), 1, 0x4000, 64, 6, 0, a, b)
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    return ETH + ip + seg


def main():
    body = b"upload: SEAWALL-RTEST-UPLOAD; a harmless test file for seawall"[:60]
    req = (b"POST /upload.php HTTP/1.1\r\nHost: 192.0.2.10\r\nUser-Agent: seawall-rtest/1\r\n"
           b"Content-Type: application/octet-stream\r\nContent-Length: %d\r\n\r\n" % len(body)
           + body)
    page = b"<html><body>SEAWALL-RTEST-STORED</body></html>\n"
    resp = (b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: %d\r\n\r\n" % len(page)
            + page)
    c, s = 1000, 5000
    frames = [tcp(True, 0x02, c, 0), tcp(False, 0x12, s, c + 1), tcp(True, 0x10, c + 1, s + 1)]
    c += 1
    s += 1
    frames.append(tcp(True, 0x18, c, s, req))
    c += len(req)
    frames.append(tcp(False, 0x10, s, c))
    frames.append(tcp(False, 0x18, s, c, resp))
    s += len(resp)
    frames.append(tcp(True, 0x10, c, s))
    frames.append(tcp(True, 0x11, c, s))
    frames.append(tcp(False, 0x11, s, c + 1))
    frames.append(tcp(True, 0x10, c + 1, s + 1))
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for k, fr in enumerate(frames):
            ts = 1700000000 * 1000000 + k * 1000
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(fr), len(fr)))
            f.write(fr)


if __name__ == "__main__":
    main()
