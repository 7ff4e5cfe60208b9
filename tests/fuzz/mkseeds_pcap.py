#!/usr/bin/env python3
"""mkseeds_pcap.py - write the seed corpus of tests/fuzz/fuzz_pcap.c.

Each seed is a whole capture file under 2 KB built here byte by byte: classic pcap in both
byte orders, with the microsecond and the nanosecond magic; pcapng with a section header,
interface descriptions and enhanced packet blocks (with options, both byte orders, a second
interface of another link type); files cut in a record or a block; Ethernet, raw IP, Linux
SLL/SLL2, BSD NULL link types, and one link type seawall does not decode.

Usage: python3 tests/fuzz/mkseeds_pcap.py [OUTDIR]   (default tests/fuzz/corpus/fuzz_pcap)
"""
import os
import struct
import sys

# libpcap LINKTYPE_* values
LT_NULL, LT_ETHERNET, LT_RAW, LT_SLL, LT_SLL2, LT_USER0 = 0, 1, 101, 113, 276, 147

IP_A, IP_B = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
V6_A = bytes.fromhex("20010db8000000000000000000000001")
V6_B = bytes.fromhex("20010db8000000000000000000000002")
MACS = bytes.fromhex("001122334455") + bytes.fromhex("66778899aabb")


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v)


def data(n):
    return bytes(ord("a") + i % 26 for i in range(n))


def ipv4(proto, payload, frag=0x4000, ident=0x1234, src=IP_A, dst=IP_B):
    total = 20 + len(payload)
    return (bytes([0x45, 0]) + u16(total) + u16(ident) + u16(frag) + bytes([64, proto]) +
            u16(0) + src + dst + payload)


def ipv6(nh, payload):
    return u32(0x60000000) + u16(len(payload)) + bytes([nh, 64]) + V6_A + V6_B + payload


def tcp(sport, dport, flags=0x18, payload=b""):
    return (u16(sport) + u16(dport) + u32(1000) + u32(2000) + bytes([0x50, flags]) +
            u16(0xfaf0) + u16(0) + u16(0) + payload)


def udp(sport, dport, payload=b""):
    return u16(sport) + u16(dport) + u16(8 + len(payload)) + u16(0) + payload


def eth(etype, payload):
    return MACS + u16(etype) + payload


def arp():
    return eth(0x0806, u16(1) + u16(0x0800) + bytes([6, 4]) + u16(1) + MACS[:6] + IP_A +
               bytes(6) + IP_B)


def sll(etype, payload):
    return u16(0) + u16(1) + u16(6) + MACS[:6] + bytes(2) + u16(etype) + payload


def sll2(etype, payload):
    return u16(etype) + u16(0) + u32(2) + u16(1) + bytes([0, 6]) + MACS[:6] + bytes(2) + payload


# --- classic pcap ------------------------------------------------------------------------------

MAGIC_US, MAGIC_NS = 0xA1B2C3D4, 0xA1B23C4D


def pcap(linktype, packets, endian="<", magic=MAGIC_US, snaplen=65535):
    """packets: list of (ts_sec, ts_frac, frame) or (ts_sec, ts_frac, frame, orig_len)."""
    out = struct.pack(endian + "IHHiIII", magic, 2, 4, 0, 0, snaplen, linktype)
    for pkt in packets:
        sec, frac, frame = pkt[:3]
        orig = pkt[3] if len(pkt) > 3 else len(frame)
        out += struct.pack(endian + "IIII", sec, frac, len(frame), orig) + frame
    return out


# --- pcapng ------------------------------------------------------------------------------------

def pad4(b):
    return b + bytes(-len(b) % 4)


def ng_opts(endian, opts):
    """opts: list of (code, value bytes); adds opt_endofopt when not empty."""
    if not opts:
        return b""
    out = b""
    for code, val in opts:
        out += struct.pack(endian + "HH", code, len(val)) + pad4(val)
    return out + struct.pack(endian + "HH", 0, 0)


def ng_block(endian, btype, body):
    body = pad4(body)
    total = 12 + len(body)
    return struct.pack(endian + "II", btype, total) + body + struct.pack(endian + "I", total)


def ng_shb(endian, opts=()):
    body = struct.pack(endian + "IHHq", 0x1A2B3C4D, 1, 0, -1) + ng_opts(endian, list(opts))
    return ng_block(endian, 0x0A0D0D0A, body)


def ng_idb(endian, linktype, snaplen=0, opts=()):
    body = struct.pack(endian + "HHI", linktype, 0, snaplen) + ng_opts(endian, list(opts))
    return ng_block(endian, 1, body)


def ng_epb(endian, ifid, ts, frame, orig=None, opts=()):
    orig = len(frame) if orig is None else orig
    body = (struct.pack(endian + "IIIII", ifid, ts >> 32, ts & 0xFFFFFFFF, len(frame), orig) +
            pad4(frame) + ng_opts(endian, list(opts)))
    return ng_block(endian, 6, body)


def ng_spb(endian, frame, orig=None):
    orig = len(frame) if orig is None else orig
    return ng_block(endian, 3, struct.pack(endian + "I", orig) + pad4(frame))


# --- the seeds ---------------------------------------------------------------------------------

def seeds():
    t0 = 1700000000
    s = {}
    eth_tcp = eth(0x0800, ipv4(6, tcp(40000, 80, 0x02)))
    eth_tcp_rev = eth(0x0800, ipv4(6, tcp(80, 40000, 0x12), src=IP_B, dst=IP_A))
    eth_udp6 = eth(0x86dd, ipv6(17, udp(5353, 53, data(12))))
    s["pcap_le_eth"] = pcap(LT_ETHERNET, [(t0, 1, eth_tcp), (t0, 2000, eth_tcp_rev),
                                          (t0 + 1, 0, eth_udp6), (t0 + 1, 5, arp())])
    s["pcap_be_raw"] = pcap(LT_RAW, [(t0, 10, ipv4(17, udp(1234, 53, data(8)))),
                                     (t0, 20, ipv6(6, tcp(2000, 443)))], endian=">")
    s["pcap_le_nsec_sll"] = pcap(LT_SLL, [(t0, 999999999, sll(0x0800, ipv4(1, bytes([8, 0]) +
                                                                           bytes(6) + data(8)))),
                                          (t0 + 1, 1, sll(0x86dd, ipv6(17, udp(1, 2))))],
                                 magic=MAGIC_NS)
    s["pcap_be_nsec_sll2"] = pcap(LT_SLL2, [(t0, 500, sll2(0x0800, ipv4(6, tcp(1, 2))))],
                                  endian=">", magic=MAGIC_NS)
    s["pcap_le_null"] = pcap(LT_NULL, [(t0, 0, struct.pack("<I", 2) + ipv4(17, udp(7, 7)))])
    # snaplen 64: the record is cut (caplen < wire length), as a short snaplen leaves it
    big = eth(0x0800, ipv4(17, udp(53, 53, data(200))))
    s["pcap_le_snaplen_cut"] = pcap(LT_ETHERNET, [(t0, 0, big[:64], len(big))], snaplen=64)
    # two fragments of one UDP datagram: decode sees FRAGMENT twice
    dg = udp(53, 53, data(40))
    s["pcap_le_fragments"] = pcap(LT_ETHERNET, [
        (t0, 0, eth(0x0800, ipv4(17, dg[:24], frag=0x2000, ident=7))),
        (t0, 1, eth(0x0800, ipv4(17, dg[24:], frag=0x0003, ident=7)))])
    s["pcap_le_unsupported_lt"] = pcap(LT_USER0, [(t0, 0, data(16))])
    s["pcap_header_only"] = pcap(LT_ETHERNET, [])
    whole = pcap(LT_ETHERNET, [(t0, 0, eth_tcp), (t0, 1, eth_tcp_rev)])
    s["pcap_truncated_record"] = whole[:-10]        # second record's data cut
    s["pcap_truncated_rechdr"] = whole[:24 + 16 + len(eth_tcp) + 7]  # in a record header
    s["pcap_truncated_filehdr"] = whole[:20]

    # pcapng: SHB, IDB with if_tsresol, EPBs with an opt_comment and flags option
    le = "<"
    shb = ng_shb(le, [(4, b"seawall fuzz seed")])      # shb_userappl
    idb = ng_idb(le, LT_ETHERNET, 65535, [(2, b"eth0"), (9, bytes([6]))])  # if_name, tsresol
    ts = (t0 * 1000000) + 42
    s["pcapng_le_eth"] = (shb + idb +
                          ng_epb(le, 0, ts, eth_tcp, opts=[(1, b"first")]) +
                          ng_epb(le, 0, ts + 10, eth_tcp_rev, opts=[(2, struct.pack("<I", 1))]) +
                          ng_epb(le, 0, ts + 20, eth_udp6))
    be = ">"
    s["pcapng_be_raw_nsec"] = (ng_shb(be) + ng_idb(be, LT_RAW, 0, [(9, bytes([9]))]) +
                               ng_epb(be, 0, t0 * 1000000000 + 7, ipv4(6, tcp(5, 6))) +
                               ng_epb(be, 0, t0 * 1000000000 + 9, ipv6(17, udp(5, 6)),
                                      orig=200))
    # two interfaces of the same link type, and a simple packet block (uses interface 0)
    s["pcapng_le_two_if_spb"] = (ng_shb(le) + ng_idb(le, LT_SLL, 256) + ng_idb(le, LT_SLL, 256) +
                                 ng_epb(le, 1, ts, sll(0x0800, ipv4(17, udp(9, 9)))) +
                                 ng_spb(le, sll(0x86dd, ipv6(17, udp(9, 9)))))
    # a second interface of another link type: libpcap refuses to mix them
    s["pcapng_le_mixed_lt"] = (ng_shb(le) + ng_idb(le, LT_ETHERNET) + ng_idb(le, LT_RAW) +
                               ng_epb(le, 0, ts, eth_tcp) +
                               ng_epb(le, 1, ts, ipv4(17, udp(1, 1)), orig=28))
    # an EPB naming an interface that was never described
    s["pcapng_le_bad_ifid"] = shb + idb + ng_epb(le, 3, ts, eth_tcp)
    ngwhole = shb + idb + ng_epb(le, 0, ts, eth_tcp) + ng_epb(le, 0, ts + 1, eth_tcp_rev)
    s["pcapng_truncated_block"] = ngwhole[:-12]
    s["pcapng_shb_only"] = ng_shb(le)
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "fuzz_pcap")
    os.makedirs(out, exist_ok=True)
    total = 0
    s = seeds()
    for name, blob in sorted(s.items()):
        if len(blob) >= 2048:
            raise SystemExit("mkseeds_pcap: %s is %d bytes, over 2 KB" % (name, len(blob)))
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
        total += len(blob)
    print("mkseeds_pcap: %d seeds, %d bytes in %s" % (len(s), total, out))


if __name__ == "__main__":
    main()
