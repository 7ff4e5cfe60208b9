#!/usr/bin/env python3
"""mkpcap_tls_enc.py OUT - writes the capture of tests/integration/sig_tls_encrypted.sh: one
TLS 1.2 connection (client 10.0.0.1:40000, server 10.0.0.2:443) built record by record: the
TCP handshake, a ClientHello with server name enc.example.org, a ServerHello, both sides'
ChangeCipherSpec and (opaque) Finished, then application data records whose bytes hold
plain-text markers, as if the encryption had left them readable:
  packet 8  client: the first application data record, "SECRET-TOKEN-ONE"
  packet 10 client: a second one, "SECRET-TOKEN-THREE"
  packet 11 server: one of 160 bytes, "SECRET-TOKEN-TWO"
then FINs. Run by hand when the capture changes (the .pcap is committed)."""
import struct
import sys


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def ipv4(a):
    return bytes(int(x) for x in a.split("."))


def packet(src, dst, sport, dport, seq, ack, flags, payload=b""):
    tcp = struct.pack("!HHIIBBHHH", sport, dport, seq, ack, 5 << 4, flags, 65535, 0, 0) + payload
    pseudo = ipv4(src) + ipv4(dst) + struct.pack("!BBH", 0, 6, len(tcp))
    tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), 1, 0x4000, 64, 6, 0,
                     ipv4(src), ipv4(dst))
    ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
    eth = b"\x02\0\0\0\0\x02" + b"\x02\0\0\0\0\x01" + b"\x08\x00"
    return eth + ip + tcp


def record(typ, body):
    return struct.pack("!BHH", typ, 0x0303, len(body)) + body


def hs(typ, body):
    return struct.pack("!B", typ) + struct.pack("!I", len(body))[1:] + body


def ext(typ, body):
    return struct.pack("!HH", typ, len(body)) + body


def client_hello(sni):
    name = b"\0" + struct.pack("!H", len(sni)) + sni
    exts = ext(0, struct.pack("!H", len(name)) + name) + ext(10, b"\0\x02\0\x1d")
    body = (b"\x03\x03" + bytes(range(32)) + b"\0" + b"\0\x04\xc0\x2f\xc0\x30" + b"\x01\0"
            + struct.pack("!H", len(exts)) + exts)
    return hs(1, body)


def server_hello():
    body = b"\x03\x03" + bytes(range(32, 64)) + b"\0" + b"\xc0\x2f" + b"\0" + b"\0\0"
    return hs(2, body) + hs(14, b"")


def main():
    C, S, cp, sp = "10.0.0.1", "10.0.0.2", 40000, 443
    cs, ss = 1000, 5000  # initial sequence numbers
    pkts = []

    def c2s(flags, data=b""):
        nonlocal cs
        pkts.append(packet(C, S, cp, sp, cs, ss, flags, data))
        cs += len(data) + (1 if flags & 0x03 else 0)

    def s2c(flags, data=b""):
        nonlocal ss
        pkts.append(packet(S, C, sp, cp, ss, cs, flags, data))
        ss += len(data) + (1 if flags & 0x03 else 0)

    SYN, ACK, PSH, FIN = 0x02, 0x10, 0x08, 0x01
    pkts.append(packet(C, S, cp, sp, cs, 0, SYN))
    cs += 1
    s2c(SYN | ACK)
    c2s(ACK)
    c2s(PSH | ACK, record(22, client_hello(b"enc.example.org")))
    s2c(PSH | ACK, record(22, server_hello()))
    c2s(PSH | ACK, record(22, hs(16, b"\x41" * 33)) + record(20, b"\x01") + record(22, b"\x5a" * 40))
    s2c(PSH | ACK, record(20, b"\x01") + record(22, b"\x5b" * 40))
    c2s(PSH | ACK, record(23, b"\x17" * 8 + b"SECRET-TOKEN-ONE" + b"\x17" * 8))
    s2c(ACK)
    c2s(PSH | ACK, record(23, b"\x18" * 8 + b"SECRET-TOKEN-THREE" + b"\x18" * 8))
    s2c(PSH | ACK, record(23, b"\x19" * 60 + b"SECRET-TOKEN-TWO" + b"\x19" * 84))
    c2s(ACK)
    c2s(FIN | ACK)
    s2c(FIN | ACK)
    c2s(ACK)
    with open(sys.argv[1], "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, p in enumerate(pkts):
            f.write(struct.pack("<IIII", 1700000000 + i, 0, len(p), len(p)) + p)


main()
