#!/usr/bin/env python3
"""mkreload.py PHASE OUT - a small Ethernet pcap whose flows show the reloadable keys.

Every address is 10.PHASE.x.y, so the events of each phase of tests/integration/run_reload.sh
are told apart by address alone. Packets (x: what it shows):
  0  plain UDP 10.P.0.1:1000 -> 10.P.0.2:53, two packets and a reply (host, community_id)
  1  IP-in-IP, outer 10.P.1.1 -> 10.P.1.2, inner UDP 10.P.2.1:2000 -> 10.P.2.2:2001
     (network.decode.tunnels)
  6  IP-in-IP-in-IP, outer 10.P.6.x, middle 10.P.7.x, inner UDP 10.P.8.1:4000 -> 10.P.8.2:4001
     (network.decode.max_layers: two layers)
  3  VXLAN on UDP 4789, outer 10.P.3.1 -> 10.P.3.2, inner UDP 10.P.4.1:3000 -> 10.P.4.2:3001
  9  VXLAN on UDP 4790, outer 10.P.9.1 -> 10.P.9.2, inner UDP 10.P.10.1:3000 -> 10.P.10.2:3001
     (network.decode.vxlan_port)
  5  two TCP segments 10.P.5.1 -> 10.P.5.2 whose header length is 16 bytes (an anomaly with
     addresses: eve.anomaly_rate)
  11 an HTTP request to a numeric host, 10.P.11.1:41000 -> 10.P.11.2:80, and its response
     (nDPI risk NDPI_HTTP_NUMERIC_IP_HOST: ndpi.risk_exceptions.*)
"""
import struct
import sys

ETH = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"


def ip4(p, x, y):
    return bytes([10, p, x, y])


def ipv4(src, dst, proto, payload, ident=1):
    return struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0,
                       src, dst) + payload


def udp(sport, dport, payload):
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def vxlan(p, x, dport):
    inner = ETH + ipv4(ip4(p, x + 1, 1), ip4(p, x + 1, 2), 17,
                       udp(3000, 3001, b"seawall-reload-vxlan"))
    return ipv4(ip4(p, x, 1), ip4(p, x, 2), 17,
                udp(5000, dport, struct.pack("!BBHI", 0x08, 0, 0, 42 << 8) + inner))


def tcp(src, dst, sport, dport, flags, seq, ack, payload=b""):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 0x50, flags, 65535, 0, 0) + payload
    return ipv4(src, dst, 6, seg)


def http(p):
    c, s = ip4(p, 11, 1), ip4(p, 11, 2)
    req = b"GET /index.html HTTP/1.1\r\nHost: 10.%d.11.2\r\nUser-Agent: seawall-test\r\n\r\n" % p
    resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello"
    yield tcp(c, s, 41000, 80, 0x02, 100, 0)
    yield tcp(s, c, 80, 41000, 0x12, 900, 101)
    yield tcp(c, s, 41000, 80, 0x10, 101, 901)
    yield tcp(c, s, 41000, 80, 0x18, 101, 901, req)
    yield tcp(s, c, 80, 41000, 0x18, 901, 101 + len(req), resp)
    yield tcp(c, s, 41000, 80, 0x11, 101 + len(req), 901 + len(resp))
    yield tcp(s, c, 80, 41000, 0x11, 901 + len(resp), 102 + len(req))
    yield tcp(c, s, 41000, 80, 0x10, 102 + len(req), 902 + len(resp))


def frames(p):
    a, b = ip4(p, 0, 1), ip4(p, 0, 2)
    yield ipv4(a, b, 17, udp(1000, 53, b"seawall-reload-1"))
    yield ipv4(a, b, 17, udp(1000, 53, b"seawall-reload-2"))
    yield ipv4(b, a, 17, udp(53, 1000, b"seawall-reload-r"))
    yield ipv4(ip4(p, 1, 1), ip4(p, 1, 2), 4,
               ipv4(ip4(p, 2, 1), ip4(p, 2, 2), 17, udp(2000, 2001, b"seawall-reload-ipip")))
    yield ipv4(ip4(p, 6, 1), ip4(p, 6, 2), 4,
               ipv4(ip4(p, 7, 1), ip4(p, 7, 2), 4,
                    ipv4(ip4(p, 8, 1), ip4(p, 8, 2), 17, udp(4000, 4001, b"seawall-4in4in4"))))
    yield vxlan(p, 3, 4789)
    yield vxlan(p, 9, 4790)
    bad = struct.pack("!HHIIBBHHH", 40000, 80, 1, 0, 0x40, 0x18, 512, 0, 0) + b"x" * 8
    for i in range(2):
        yield ipv4(ip4(p, 5, 1), ip4(p, 5, 2), 6, bad, ident=100 + i)
    yield from http(p)


def main():
    phase, out = int(sys.argv[1]), sys.argv[2]
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, ip in enumerate(frames(phase)):
            frame = ETH + ip
            ts = 1700000000 * 1000000 + phase * 1000000 + i * 1000
            f.write(struct.pack("<IIII", ts // 1000000, ts % 1000000, len(frame), len(frame)))
            f.write(frame)


if __name__ == "__main__":
    main()
