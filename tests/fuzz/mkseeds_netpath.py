#!/usr/bin/env python3
"""mkseeds_netpath.py - write the seed corpus of tests/fuzz/fuzz_netpath.c.

An input is one selector byte (bits 0-3 link type index, 0x10 tunnels off, 0x20 max_layers 2,
0x40 clock step 20 s instead of 1 ms, 0x80 VXLAN port 8472; see fuzz_netpath.c) and frames,
each a 2-byte big-endian length and the frame.

Seeds come from three places:
- decode_*: every frame of tests/fuzz/mkseeds_decode.py as a one-frame input (the selector
  bits mean the same, except fuzz_decode's 0x40, "reassembled datagram", which becomes a
  raw-IP frame here), plus all Ethernet ones in a single input;
- defrag_*: the fragment descriptors of tests/fuzz/corpus/fuzz_defrag/* (see fuzz_defrag.c)
  turned into real Ethernet frames carrying IPv4/IPv6 fragments of a UDP datagram;
- own ones: a TCP session with both directions, fragmented DNS, fragments inside GRE and
  VLANs, more flows than the table holds (eviction), timeouts with the slow clock.

Usage: python3 tests/fuzz/mkseeds_netpath.py [OUTDIR]   (default tests/fuzz/corpus/fuzz_netpath)
"""
import os
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ in the tree
sys.path.insert(0, HERE)
import mkseeds_decode as dec  # noqa: E402  (the frame builders and the decode seeds)

ETH, RAW = 0, 5           # link type indices shared with fuzz_decode.c
TUNNELS_OFF, MAX_LAYERS_2, SLOW_CLOCK, VXLAN_8472 = 0x10, 0x20, 0x40, 0x80
DECODE_REASM = 0x40       # fuzz_decode.c: decode as a reassembled datagram


def u16(v):
    return struct.pack(">H", v)


def seed(sel, frames):
    return bytes([sel]) + b"".join(u16(len(f)) + f for f in frames)


# --- fuzz_decode seeds ---------------------------------------------------------------------

def from_decode():
    s = {}
    eth_frames = []
    for name, (sel, frame) in sorted(dec.seeds().items()):
        if sel & DECODE_REASM:
            sel = (sel & ~(DECODE_REASM | 0x0f)) | RAW
        s["decode_" + name] = seed(sel, [frame])
        if sel == ETH:
            eth_frames.append(frame)
    s["decode_all_ethernet"] = seed(ETH, eth_frames)
    return s


# --- fuzz_defrag seeds -----------------------------------------------------------------------

def defrag_frames(desc_blob):
    """The frames fuzz_defrag.c's build() describes, as a capture would carry them."""
    def parse(d):
        flags, off, ln = d[0], (d[1] << 8) | d[2], (d[3] << 8) | d[4]
        if not flags & 0x20:
            off = (off & 0x1fff) * 8
        return flags, off, ln, d[5] & 0x3f, d[6]

    descs = [parse(desc_blob[i:i + 8]) for i in range(1, len(desc_blob) - 7, 8)]
    # the datagram length per (version, id): the end of its last fragment, for the UDP header
    ends = {}
    for flags, off, ln, ident, _ in descs:
        if not flags & 0x01:
            ends[(flags & 0x02, ident)] = off + ln
    frames = []
    for flags, off, ln, ident, fill in descs:
        more = flags & 0x01
        payload = bytearray([fill]) * ln
        if off == 0 and ln >= 8:
            total = ends.get((flags & 0x02, ident), ln)
            payload[0:8] = u16(5353) + u16(5353) + u16(total & 0xffff) + u16(0)
        payload = bytes(payload)
        if not flags & 0x02:
            opts = bytes([1, 1, 1, 1]) if flags & 0x04 else b""
            ip = dec.ipv4(17, dec.IP_A, dec.IP_B, payload, opts=opts,
                          frag=(0x2000 if more else 0) | ((off // 8) & 0x1fff), ident=ident)
            etype = 0x0800
        else:
            fh = (bytes([17, 0]) + u16((off & 0xfff8) | (1 if more else 0)) +
                  struct.pack(">I", ident))
            if flags & 0x04:
                dstopts = bytes([44, 0, 1, 4, 0, 0, 0, 0])
                ip = dec.ipv6(60, dec.V6_A, dec.V6_B, dstopts + fh + payload)
            else:
                ip = dec.ipv6(44, dec.V6_A, dec.V6_B, fh + payload)
            etype = 0x86dd
        vid = (flags >> 3) & 3
        if vid:
            frames.append(dec.eth(0x8100) + dec.vlan(vid, etype) + ip)
        else:
            frames.append(dec.eth(etype) + ip)
    return frames


def from_defrag():
    s = {}
    d = os.path.join(HERE, "corpus", "fuzz_defrag")
    for name in sorted(os.listdir(d)):
        with open(os.path.join(d, name), "rb") as f:
            blob = f.read()
        sel = SLOW_CLOCK if "timeout" in name else ETH
        s["defrag_" + name] = seed(sel, defrag_frames(blob))
    return s


# --- own seeds ---------------------------------------------------------------------------------

def tcp_flags(sport, dport, flags, payload=b""):
    t = bytearray(dec.tcp(sport, dport, payload))
    t[13] = flags
    return bytes(t)


def own():
    s = {}
    A, B = dec.IP_A, dec.IP_B
    c2s = lambda fl, pl=b"": dec.eth(0x0800) + dec.ipv4(6, A, B, tcp_flags(40000, 80, fl, pl))
    s2c = lambda fl, pl=b"": dec.eth(0x0800) + dec.ipv4(6, B, A, tcp_flags(80, 40000, fl, pl))
    session = [c2s(0x02), s2c(0x12), c2s(0x10), c2s(0x18, b"GET / HTTP/1.0\r\n\r\n"),
               s2c(0x18, b"HTTP/1.0 200 OK\r\n\r\n"), c2s(0x11), s2c(0x11), c2s(0x10)]
    s["own_tcp_session"] = seed(ETH, session)
    s["own_tcp_session_slow"] = seed(SLOW_CLOCK, session + session[:2])

    echo = dec.eth(0x0800) + dec.ipv4(1, A, B, bytes([8, 0, 0, 0, 0, 1, 0, 1]) + dec.data(8))
    reply = dec.eth(0x0800) + dec.ipv4(1, B, A, bytes([0, 0, 0, 0, 0, 1, 0, 1]) + dec.data(8))
    ping6 = dec.eth(0x86dd) + dec.ipv6(58, dec.V6_A, dec.V6_B, bytes([128, 0, 0, 0, 0, 1, 0, 1]))
    pong6 = dec.eth(0x86dd) + dec.ipv6(58, dec.V6_B, dec.V6_A, bytes([129, 0, 0, 0, 0, 1, 0, 1]))
    s["own_icmp_echo"] = seed(ETH, [echo, reply, ping6, pong6, echo])

    # a DNS response in two IPv4 fragments, then the same over IPv6, out of order
    dns = dec.udp(53, 40000, dec.data(120))
    v4 = [dec.eth(0x0800) + dec.ipv4(17, B, A, dns[:64], frag=0x2000, ident=0x99),
          dec.eth(0x0800) + dec.ipv4(17, B, A, dns[64:], frag=64 // 8, ident=0x99)]
    fh = lambda off, m: bytes([17, 0]) + u16(off | m) + struct.pack(">I", 0x1234)
    v6 = [dec.eth(0x86dd) + dec.ipv6(44, dec.V6_B, dec.V6_A, fh(64, 0) + dns[64:]),
          dec.eth(0x86dd) + dec.ipv6(44, dec.V6_B, dec.V6_A, fh(0, 1) + dns[:64])]
    query = dec.eth(0x0800) + dec.ipv4(17, A, B, dec.udp(40000, 53, dec.data(20)))
    s["own_fragmented_dns"] = seed(ETH, [query] + v4 + v6)
    # the second fragment comes after the reassembly timeout: dropped, counted
    s["own_fragment_timeout"] = seed(SLOW_CLOCK, [v4[0], query, query, v4[1]])

    # fragments of an inner datagram inside GRE behind two VLANs: the tunnel and VLANs are
    # kept on the reassembled packet
    inner = dec.udp(1234, 4321, dec.data(48))
    gre = lambda ipf: dec.eth(0x88a8) + dec.vlan(10, 0x8100) + dec.vlan(20, 0x0800) + dec.ipv4(
        47, dec.IP_C, dec.IP_D, u16(0) + u16(0x0800) + ipf)
    s["own_gre_vlan_fragments"] = seed(ETH, [
        gre(dec.ipv4(17, A, B, inner[:32], frag=0x2000, ident=5)),
        gre(dec.ipv4(17, A, B, inner[32:], frag=32 // 8, ident=5))])

    # 70 UDP flows: more than the table's 64, so the oldest are evicted
    flood = [dec.eth(0x0800) + dec.ipv4(17, A, bytes([10, 1, i // 256, i % 256]),
                                        dec.udp(10000 + i, 53)) for i in range(70)]
    s["own_flow_eviction"] = seed(ETH, flood)

    # raw IPv6 link, SCTP and an unknown protocol (class "other")
    s["own_raw_other"] = seed(RAW, [dec.ipv6(132, dec.V6_A, dec.V6_B, bytes(16)),
                                    dec.ipv4(50, A, B, dec.data(16)),
                                    dec.ipv4(50, B, A, dec.data(16))])
    # frames cut short and a length prefix longer than what is left
    s["own_cut_frames"] = seed(ETH, [session[0][:20], b"", session[1]]) + u16(500) + session[2]
    return s


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "corpus", "fuzz_netpath")
    os.makedirs(out, exist_ok=True)
    s = {}
    s.update(from_decode())
    s.update(from_defrag())
    s.update(own())
    total = 0
    for name, blob in sorted(s.items()):
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
        total += len(blob)
    print("mkseeds_netpath: %d seeds, %d bytes in %s" % (len(s), total, out))


if __name__ == "__main__":
    main()
