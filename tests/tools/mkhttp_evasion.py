#!/usr/bin/env python3
"""mkhttp_evasion.py DIR - one capture per HTTP evasion class seawall reads (issue 9, items 16
and 18), written as classic pcap files without any library (no scapy).

Each capture is one TCP connection (Ethernet, IPv4, handshake, a GET, the response in segments
of at most 700 bytes, then FIN or RST; one client port per class, all in the same second of
capture time): the server sends the EICAR anti-virus test file with
the framing of one class of HTTP Evader (https://noxxi.de/research/http-evader.html, the
captures of suricata-verify tests/http-evader-*), or with the coding item 16 is about. The
EICAR string is put together here from parts, so this file does not contain it.

Writes DIR/<class>.pcap and prints one line per class to stdout:
    class<TAB>anomaly seawall must report ("-": none at all)<TAB>fileinfo state ("-": any)
tests/integration/http_evasion.sh reads these lines and checks seawall's EVE against them.
"""
import os
import struct
import sys
import zlib

EICAR = ("X5O!P%@AP[4\\PZX54(P^)7CC)7}$" + "EI" + "CAR-STANDARD-ANTIVIRUS" +
         "-TEST-FILE!$H+H*").encode()
CT = b"Content-Type: application/octet-stream\r\n"


def gzip(data):
    c = zlib.compressobj(9, zlib.DEFLATED, 31)
    return c.compress(data) + c.flush()


def brotli_stored(data):
    """A brotli stream of one uncompressed meta-block (RFC 7932): WBITS 16 (bit 0), ISLAST 0,
    MNIBBLES 4 (00), MLEN-1 in 16 bits, ISUNCOMPRESSED 1, padding; then ISLAST, ISLASTEMPTY.
    Bits are packed least significant first."""
    bits = [0, 0, 0, 0] + [((len(data) - 1) >> i) & 1 for i in range(16)] + [1]
    bits += [0] * (-len(bits) % 8)
    head = bytes(sum(b << i for i, b in enumerate(bits[k:k + 8])) for k in range(0, len(bits), 8))
    return head + data + b"\x03"


def chunked(data, size_suffix=b"", size=5):
    out = b""
    for k in range(0, len(data), size):
        piece = data[k:k + size]
        out += b"%x" % len(piece) + size_suffix + b"\r\n" + piece + b"\r\n"
    return out + b"0\r\n\r\n"


def clen(data):
    return b"Content-Length: %d\r\n" % len(data)


GZ = gzip(EICAR)
GZ_RESERVED = GZ[:3] + bytes([GZ[3] | 0x20]) + GZ[4:]
GZ_BAD_CRC = GZ[:-8] + bytes(b ^ 0x5a for b in GZ[-8:-4]) + GZ[-4:]

# class, response bytes, anomaly, fileinfo state, how the server closes
CLASSES = [
    ("control", b"HTTP/1.1 200 OK\r\n" + CT + clen(EICAR) + b"\r\n" + EICAR, "-", "CLOSED", "fin"),
    # item 18: framing
    ("chunk_size_junk", b"HTTP/1.1 200 OK\r\n" + CT + b"Transfer-Encoding: chunked\r\n\r\n" +
     chunked(EICAR, b"x"), "INVALID_RESPONSE_CHUNK_LEN", "-", "fin"),
    ("chunked_http10_not_chunked", b"HTTP/1.0 200 OK\r\n" + CT +
     b"Transfer-Encoding: chunked\r\n\r\n" + EICAR, "RESPONSE_CHUNKED_OLD_PROTO", "-", "fin"),
    ("te_semicolon", b"HTTP/1.1 200 OK\r\n" + CT + b"Transfer-Encoding: chunked;\r\n\r\n" +
     chunked(EICAR), "RESPONSE_ABNORMAL_TRANSFER_ENCODING", "-", "fin"),
    ("te_folded", b"HTTP/1.1 200 OK\r\n" + CT + b"Transfer-Encoding: \r\n chunked\r\n\r\n" +
     chunked(EICAR), "INVALID_RESPONSE_FIELD_FOLDING", "-", "fin"),
    ("te_space_before_colon", b"HTTP/1.1 200 OK\r\n" + CT +
     b"Transfer-Encoding : chunked\r\n\r\n" + chunked(EICAR), "RESPONSE_HEADER_INVALID", "-",
     "fin"),
    ("te_twice", b"HTTP/1.1 200 OK\r\n" + CT + b"Transfer-Encoding: lalala\r\n"
     b"Transfer-Encoding: chunked\r\n\r\n" + chunked(EICAR), "RESPONSE_HEADER_REPETITION", "-",
     "fin"),
    ("te_with_content_length", b"HTTP/1.1 200 OK\r\n" + CT + b"Transfer-Encoding: chunked\r\n" +
     clen(EICAR) + b"\r\n" + chunked(EICAR + b"x" * 40), "RESPONSE_CHUNKED_WITH_CONTENT_LENGTH",
     "-", "fin"),
    ("content_length_twice", b"HTTP/1.1 200 OK\r\n" + CT + b"Content-Length: 34\r\n" +
     clen(EICAR) + b"\r\n" + EICAR, "DUPLICATE_CONTENT_LENGTH_FIELD_IN_RESPONSE", "-", "fin"),
    ("content_length_junk", b"HTTP/1.1 200 OK\r\n" + CT + b"Content-Length: 34( 68)\r\n\r\n" +
     EICAR, "INVALID_CONTENT_LENGTH_FIELD_IN_RESPONSE", "-", "fin"),
    ("status_http20", b"HTTP/2.0 200 OK\r\n" + CT + clen(EICAR) + b"\r\n" + EICAR,
     "RESPONSE_INVALID_PROTOCOL", "-", "fin"),
    ("status_code_2xx", b"HTTP/1.1 2xx OK\r\n" + CT + clen(EICAR) + b"\r\n" + EICAR,
     "RESPONSE_INVALID_STATUS", "-", "fin"),
    ("http09_no_status_line", EICAR, "RESPONSE_LINE_INVALID", "-", "fin"),
    ("junk_line_before_status", b"SIP/2.0 200 OK\r\nHTTP/1.1 200 OK\r\n" + CT + clen(EICAR) +
     b"\r\n" + EICAR, "RESPONSE_LINE_INVALID", "-", "fin"),
    ("body_on_204", b"HTTP/1.1 204 No Content\r\n" + CT + clen(EICAR) + b"\r\n" + EICAR,
     "RESPONSE_BODY_UNEXPECTED", "-", "fin"),
    ("body_on_100", b"HTTP/1.1 100 Continue\r\n" + CT + clen(EICAR) + b"\r\n" + EICAR,
     "RESPONSE_BODY_UNEXPECTED", "-", "fin"),
    ("cr_line_ends", b"HTTP/1.1 200 OK\r" + CT[:-2] + b"\r" + clen(EICAR) + b"\r\n" + EICAR,
     "RESPONSE_LINE_TERMINATOR_INVALID", "-", "fin"),
    ("lfcr_header_end", b"HTTP/1.1 200 OK\r\n" + CT + clen(EICAR)[:-2] + b"\n\r\r\n\r\n" +
     EICAR, "RESPONSE_LINE_TERMINATOR_INVALID", "-", "fin"),
    # item 18: content codings
    ("content_encoding_twice", b"HTTP/1.1 200 OK\r\n" + CT + b"Content-Encoding: gzip\r\n"
     b"Content-Encoding: gzip\r\n" + clen(GZ) + b"\r\n" + GZ, "RESPONSE_HEADER_REPETITION", "-",
     "fin"),
    ("content_encoding_nul", b"HTTP/1.1 200 OK\r\n" + CT + b"Content-Encoding: gz\0ip\r\n" +
     clen(GZ) + b"\r\n" + GZ, "ABNORMAL_CE_HEADER", "-", "fin"),
    ("gzip_reserved_flag", b"HTTP/1.1 200 OK\r\n" + CT + b"Content-Encoding: gzip\r\n" +
     clen(GZ_RESERVED) + b"\r\n" + GZ_RESERVED, "GZIP_HEADER_INVALID", "CLOSED", "fin"),
    ("gzip_bad_crc", b"HTTP/1.1 200 OK\r\n" + CT + b"Content-Encoding: gzip\r\n" +
     clen(GZ_BAD_CRC) + b"\r\n" + GZ_BAD_CRC, "GZIP_TRAILER_INVALID", "CLOSED", "fin"),
    # item 16: a coding that does not decode, brotli, a body cut by a RST
    ("gzip_on_plain_bytes", b"HTTP/1.1 200 OK\r\n" + CT + b"Content-Encoding: gzip\r\n" +
     clen(EICAR) + b"\r\n" + EICAR, "GZIP_DECOMPRESSION_FAILED", "ERROR", "fin"),
    ("brotli", b"HTTP/1.1 200 OK\r\n" + CT + b"Content-Encoding: br\r\n" +
     b"Transfer-Encoding: chunked\r\n\r\n" + chunked(brotli_stored(EICAR), size=16), "-",
     "CLOSED", "fin"),
    ("until_close_cut_by_rst", b"HTTP/1.0 200 OK\r\n" + CT + b"\r\n" + EICAR, "-", "TRUNCATED",
     "rst"),
]


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


class Conn:
    """One TCP connection between a client and a server, as pcap records."""

    def __init__(self, cport):
        self.cli, self.srv = bytes([10, 9, 0, 2]), bytes([10, 9, 0, 1])
        self.cport, self.sport = cport, 80
        self.seq = {"c": 1000, "s": 5000}
        self.ts = 1700000000.0
        self.recs = []

    def pkt(self, frm, flags, payload=b""):
        src, dst = (self.cli, self.srv) if frm == "c" else (self.srv, self.cli)
        sp, dp = (self.cport, self.sport) if frm == "c" else (self.sport, self.cport)
        other = "s" if frm == "c" else "c"
        ack = self.seq[other] if flags & 0x10 else 0
        tcp = struct.pack("!HHIIBBHHH", sp, dp, self.seq[frm], ack, 5 << 4, flags, 65535, 0, 0)
        pseudo = src + dst + struct.pack("!BBH", 0, 6, len(tcp) + len(payload))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp + payload)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp) + len(payload), 1, 0x4000, 64,
                         6, 0, src, dst)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        cmac, smac = b"\x02\0\0\0\0\x02", b"\x02\0\0\0\0\x01"
        eth = (smac + cmac if frm == "c" else cmac + smac) + b"\x08\x00" # dst, src, IPv4
        frame = eth + ip + tcp + payload
        self.ts += 0.001
        self.recs.append(struct.pack("<IIII", int(self.ts), int((self.ts % 1) * 1e6),
                                     len(frame), len(frame)) + frame)
        self.seq[frm] = (self.seq[frm] + len(payload) + (1 if flags & 0x03 else 0)) & 0xffffffff

    def pcap(self):
        return struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1) + b"".join(self.recs)


def capture(response, close, cport):
    c = Conn(cport)
    c.pkt("c", 0x02)                 # SYN
    c.pkt("s", 0x12)                 # SYN ACK
    c.pkt("c", 0x10)                 # ACK
    c.pkt("c", 0x18, b"GET /eicar.com HTTP/1.1\r\nHost: evader.example.com\r\n"
          b"User-Agent: mkhttp_evasion\r\n\r\n")
    c.pkt("s", 0x10)
    for k in range(0, len(response), 700):
        c.pkt("s", 0x18, response[k:k + 700])
        c.pkt("c", 0x10)
    if close == "rst":
        c.pkt("s", 0x04)             # RST: the body until close is cut
    else:
        c.pkt("s", 0x11)             # FIN ACK
        c.pkt("c", 0x11)
        c.pkt("s", 0x10)
    return c.pcap()


def main():
    if len(sys.argv) != 2:
        print(__doc__.split("\n")[0], file=sys.stderr)
        return 2
    os.makedirs(sys.argv[1], exist_ok=True)
    for i, (name, resp, anomaly, state, close) in enumerate(CLASSES):
        # one client port per class: the captures can be read in one run, as distinct flows
        with open(os.path.join(sys.argv[1], name + ".pcap"), "wb") as f:
            f.write(capture(resp, close, 40000 + i))
        print("%s\t%s\t%s" % (name, anomaly, state))
    return 0


if __name__ == "__main__":
    sys.exit(main())
