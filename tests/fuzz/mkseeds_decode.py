#!/usr/bin/env python3
"""mkseeds_decode.py - write the seed corpus of tests/fuzz/fuzz_decode.c.

Each seed is one selector byte (see fuzz_decode.c: bits 0-3 pick the link type, 0x10 tunnels
off, 0x20 max_layers 2, 0x40 reassembled IP, 0x80 VXLAN port 8472) and a frame built here
byte by byte: every link type, VLAN/MPLS/PPPoE, IPv4 options, IPv6 extension headers,
fragments, Cisco FabricPath and every tunnel the decoder removes.

Usage: python3 tests/fuzz/mkseeds_decode.py [OUTDIR]   (default tests/fuzz/corpus/fuzz_decode)
"""
import os
import struct
import sys

# Selector values: index into fuzz_decode.c's linktypes[].
ETH, SLL, SLL2, NULL, LOOP, RAW = 0, 1, 2, 3, 4, 5
PPP, CHDLC = 10, 12
REASM = 0x40
VXLAN_8472 = 0x80

IP_A, IP_B = bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2])
IP_C, IP_D = bytes([192, 168, 0, 1]), bytes([192, 168, 0, 2])
V6_A = bytes.fromhex("20010db8000000000000000000000001")
V6_B = bytes.fromhex("20010db8000000000000000000000002")
V6_C = bytes.fromhex("fd000000000000000000000000000001")
V6_D = bytes.fromhex("fd000000000000000000000000000002")
MACS = bytes.fromhex("001122334455") + bytes.fromhex("66778899aabb")


def u16(v):
    return struct.pack(">H", v)


def u32(v):
    return struct.pack(">I", v)


def eth(etype):
    return MACS + u16(etype)


def vlan(vid, nxt):
    return u16(0x2000 | vid) + u16(nxt)


def ipv4(proto, src, dst, payload, opts=b"", frag=0x4000, ident=0x1234):
    ihl = 5 + len(opts) // 4
    total = ihl * 4 + len(payload)
    return (bytes([0x40 | ihl, 0]) + u16(total) + u16(ident) + u16(frag) +
            bytes([64, proto]) + u16(0) + src + dst + opts + payload)


def ipv6(nh, src, dst, payload):
    return u32(0x60000000) + u16(len(payload)) + bytes([nh, 64]) + src + dst + payload


def tcp(sport, dport, payload=b""):
    return (u16(sport) + u16(dport) + u32(0x01020304) + u32(0x05060708) + bytes([0x50, 0x18]) +
            u16(0xfaf0) + u16(0) + u16(0) + payload)


def udp(sport, dport, payload=b""):
    return u16(sport) + u16(dport) + u16(8 + len(payload)) + u16(0) + payload


def data(n):
    return bytes(ord("a") + i % 26 for i in range(n))


def seeds():
    s = {}
    s["eth_ipv4_tcp"] = (ETH, eth(0x0800) + ipv4(6, IP_A, IP_B, tcp(40000, 443, data(10))))
    s["eth_ipv6_udp"] = (ETH, eth(0x86dd) + ipv6(17, V6_A, V6_B, udp(5353, 53, data(12))))
    s["qinq_ipv4_udp"] = (ETH, eth(0x88a8) + vlan(100, 0x8100) + vlan(200, 0x0800) +
                          ipv4(17, IP_A, IP_B, udp(1234, 53, data(4))))
    s["mpls_ipv4_tcp"] = (ETH, eth(0x8847) + u32((1000 << 12) | 64) +
                          u32((2000 << 12) | 0x100 | 64) + ipv4(6, IP_A, IP_B, tcp(1025, 80)))
    ppp_ip = u16(0x0021) + ipv4(6, IP_A, IP_B, tcp(1025, 80, data(3)))
    s["pppoe_ipv4_tcp"] = (ETH, eth(0x8864) + bytes([0x11, 0]) + u16(1) + u16(len(ppp_ip)) +
                           ppp_ip)
    icmp = bytes([8, 0]) + u16(0) + u32(0x00010002) + data(8)
    s["ipv4_options_icmp"] = (ETH, eth(0x0800) + ipv4(1, IP_A, IP_B, icmp,
                                                      opts=bytes([1, 7, 7, 4, 0, 0, 0, 0])))
    ext = (bytes([60, 0, 1, 4]) + u32(0) +                      # hop-by-hop
           bytes([43, 1, 1, 12]) + bytes(12) +                  # destination options
           bytes([51, 0, 4, 0]) + u32(0) +                      # routing
           bytes([6, 4]) + u16(0) + u32(0x1000) + u32(1) + bytes([0xab]) * 12)  # AH
    s["ipv6_exthdrs_tcp"] = (ETH, eth(0x86dd) + ipv6(0, V6_A, V6_B,
                                                     ext + tcp(2000, 22, data(5))))
    s["ipv4_first_fragment"] = (ETH, eth(0x0800) + ipv4(17, IP_A, IP_B,
                                                        u16(53) + u16(53) + u16(100) + u16(0) +
                                                        data(16), frag=0x2000, ident=0xbeef))
    s["ipv6_fragment"] = (ETH, eth(0x86dd) + ipv6(44, V6_A, V6_B, bytes([17, 0]) +
                                                 u16((185 << 3) | 1) + u32(0xdeadbeef) +
                                                 data(24)))
    s["ipip_4in4_vlan"] = (ETH, eth(0x8100) + vlan(10, 0x0800) +
                           ipv4(4, IP_A, IP_B, ipv4(17, IP_C, IP_D, udp(5000, 6000, data(6)))))
    s["ipip_6in4"] = (ETH, eth(0x0800) + ipv4(41, IP_A, IP_B,
                                              ipv6(6, V6_C, V6_D, tcp(33000, 443, data(2)))))
    inner = ipv4(6, IP_C, IP_D, tcp(50000, 80, data(7)))
    gtp_opt = u16(7) + bytes([0, 0x85]) + bytes([1, 0x10, 0x09, 0])
    s["gtpu_ext"] = (ETH, eth(0x0800) + ipv4(17, IP_A, IP_B, udp(
        2152, 2152, bytes([0x34, 0xff]) + u16(len(gtp_opt) + len(inner)) + u32(0x11223344) +
        gtp_opt + inner)))
    s["tzsp_tags"] = (ETH, eth(0x0800) + ipv4(17, IP_A, IP_B, udp(
        40000, 37008, bytes([1, 0]) + u16(1) + bytes([10, 1, 0xd0, 0, 1]) + eth(0x0800) +
        ipv4(6, IP_C, IP_D, tcp(1111, 2222)))))
    capwap = bytes([0, 4 << 3, (1 << 1) | 1, 0]) + bytes(12)
    wlan = bytes([0x08, 0x01]) + u16(0) + bytes([2]) * 18 + u16(0x10)
    snap = bytes([0xaa, 0xaa, 0x03, 0, 0, 0]) + u16(0x0800)
    s["capwap_80211"] = (ETH, eth(0x0800) + ipv4(17, IP_A, IP_B, udp(
        12379, 5247, capwap + wlan + snap + ipv4(17, IP_C, IP_D, udp(68, 67, data(9))))))
    s["gre_cks_ipv4"] = (ETH, eth(0x0800) + ipv4(47, IP_A, IP_B, u16(0xb000) + u16(0x0800) +
                                                 u32(0) + u32(0x42) + u32(7) +
                                                 ipv4(6, IP_C, IP_D, tcp(3000, 179))))
    s["gre_teb_vlans"] = (ETH, eth(0x8100) + vlan(5, 0x0800) + ipv4(
        47, IP_A, IP_B, u16(0) + u16(0x6558) + eth(0x8100) + vlan(77, 0x86dd) +
        ipv6(17, V6_C, V6_D, udp(123, 123, data(4)))))
    s["erspan2"] = (ETH, eth(0x0800) + ipv4(47, IP_A, IP_B, u16(0x1000) + u16(0x88be) + u32(1) +
                                            u32(0x10640001) + u32(0) + eth(0x0800) +
                                            ipv4(6, IP_C, IP_D, tcp(80, 40000))))
    icmp6 = bytes([128, 0]) + u16(0) + u32(0x00010001)
    s["erspan3_subheader"] = (ETH, eth(0x0800) + ipv4(
        47, IP_A, IP_B, u16(0x1000) + u16(0x22eb) + u32(9) + u32(0x20000002) + u32(0x12345678) +
        u16(0) + bytes([0, 1]) + bytes(8) + eth(0x86dd) + ipv6(58, V6_C, V6_D, icmp6)))
    ppp = bytes([0xff, 0x03]) + u16(0x0021) + ipv4(17, IP_C, IP_D, udp(1000, 53, data(4)))
    s["pptp_ipv4"] = (ETH, eth(0x0800) + ipv4(47, IP_A, IP_B, u16(0x3081) + u16(0x880b) +
                                              u16(len(ppp)) + u16(0x4000) + u32(5) + u32(4) +
                                              ppp))
    vx_inner = eth(0x8100) + vlan(300, 0x0800) + ipv4(6, IP_C, IP_D, tcp(22, 50022, data(1)))
    s["vxlan_vlan"] = (ETH, eth(0x0800) + ipv4(17, IP_A, IP_B, udp(
        55555, 4789, u32(0x08000000) + u32(0x00123400) + vx_inner)))
    s["vxlan_port_8472"] = (ETH | VXLAN_8472, eth(0x0800) + ipv4(17, IP_A, IP_B, udp(
        55555, 8472, u32(0x08000000) + u32(0x00123400) + vx_inner)))
    # Cisco FabricPath: tag (FTag/TTL), then the frame as it entered the fabric
    s["fabricpath_vlan"] = (ETH, eth(0x8903) + u16(0x4020) + eth(0x8100) + vlan(7, 0x0800) +
                            ipv4(6, IP_C, IP_D, tcp(38856, 8009, data(5))))
    # Geneve: version 0 and option words, flags, protocol type, VNI, then options
    gnv_opts = (u16(0x0108) + bytes([1, 1]) + u32(0xdeadbeef) + u16(0x0108) + bytes([2, 2]) +
                bytes(8))
    s["geneve_options_eth"] = (ETH, eth(0x0800) + ipv4(17, IP_A, IP_B, udp(
        60276, 6081, bytes([5, 0]) + u16(0x6558) + u32(0x00123400) + gnv_opts + eth(0x0800) +
        ipv4(6, IP_C, IP_D, tcp(39198, 1234, data(3))))))
    s["geneve_ipv4"] = (ETH, eth(0x0800) + ipv4(17, IP_A, IP_B, udp(
        60276, 6081, bytes([2, 0]) + u16(0x0800) + u32(0) + u16(0x0108) + bytes([3, 1]) +
        u32(0x3dc956ac) + ipv4(17, IP_C, IP_D, udp(5353, 53, data(2))))))
    s["geneve_ipv6_sport"] = (ETH, eth(0x86dd) + ipv6(17, V6_A, V6_B, udp(
        6081, 40000, bytes([0, 0x80]) + u16(0x86dd) + u32(0x100) +
        ipv6(6, V6_C, V6_D, tcp(443, 50000)))))
    s["geneve_optlen_overflow"] = (ETH, eth(0x0800) + ipv4(17, IP_A, IP_B, udp(
        50000, 6081, bytes([2, 0]) + u16(0x6558) + u32(0) + u16(0x0108) + bytes([1, 3]) +
        u32(0) + eth(0x0800) + ipv4(6, IP_C, IP_D, tcp(1, 2)))))
    s["sll_ipv4_udp"] = (SLL, u16(0) + u16(1) + u16(6) + bytes([0x11]) * 8 + u16(0x0800) +
                         ipv4(17, IP_A, IP_B, udp(1, 2)))
    s["sll2_ipv6_tcp"] = (SLL2, u16(0x86dd) + u16(0) + u32(3) + u16(1) + bytes([4, 6]) +
                          bytes([0x22]) * 8 + ipv6(6, V6_A, V6_B, tcp(9, 10)))
    s["null_ipv4_tcp"] = (NULL, bytes([2, 0, 0, 0]) + ipv4(6, IP_A, IP_B, tcp(4222, 55000)))
    s["loop_ipv6_udp"] = (LOOP, u32(30) + ipv6(17, V6_A, V6_B, udp(1, 2)))
    s["ppp_ipv6_udp"] = (PPP, bytes([0xff, 0x03]) + u16(0x0057) +
                         ipv6(17, V6_A, V6_B, udp(546, 547)))
    s["chdlc_mpls_ipv4"] = (CHDLC, bytes([0x0f, 0]) + u16(0x8847) + u32((77 << 12) | 0x100 | 255) +
                            ipv4(6, IP_A, IP_B, tcp(179, 1024)))
    s["raw_ipv4_sctp"] = (RAW, ipv4(132, IP_A, IP_B, u16(2905) + u16(2906) + u32(1) + u32(0) +
                                    data(4)))
    s["reasm_ipv4_mf"] = (REASM, ipv4(17, IP_A, IP_B, udp(53, 53, data(300)), frag=0x2000))
    return s


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(here, "corpus", "fuzz_decode")
    os.makedirs(out, exist_ok=True)
    total = 0
    for name, (sel, frame) in sorted(seeds().items()):
        blob = bytes([sel]) + frame
        with open(os.path.join(out, name), "wb") as f:
            f.write(blob)
        total += len(blob)
    print("mkseeds_decode: %d seeds, %d bytes in %s" % (len(seeds()), total, out))


if __name__ == "__main__":
    main()
