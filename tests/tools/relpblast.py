#!/usr/bin/env python3
"""relpblast.py - the fastest sender this machine has, to measure a syslog receiver alone.

Usage: relpblast.py relp|tcp HOST PORT N [WINDOW]

Sends N RFC 5424 messages carrying an EVE alert of about 900 bytes (the shape
tests/tools/benchsink hands the syslog sink), all made before the clock starts:
  relp  RELP (open, then syslog commands) keeping at most WINDOW (default 128, librelp's and
        seawall's window) unanswered, sending as many frames at once as the window allows,
        and waits for the answer to the last one;
  tcp   octet-counted frames (RFC 6587), written in large chunks.
Prints "events N seconds S events_per_s R": for relp, up to the last answer; for tcp, up to
the last byte written (the caller times the receiver's file). bench_relp.sh runs it against
the same rsyslog that seawall's sinks are measured with: if rsyslog takes this sender's
messages no faster than seawall's, the receiver is the limit."""
import socket
import sys
import time


def messages(n):
    body = ('{"timestamp":"2026-01-01T00:00:00.000000+0000","flow_id":%d,"event_type":"alert",'
            '"host":"bench","src_ip":"10.0.%d.%d","src_port":%d,"dest_ip":"192.168.0.1",'
            '"dest_port":53,"proto":"UDP","community_id":"1:%020d=","app_proto":"failed",'
            '"direction":"to_server","alert":{"action":"allowed","gid":1,"signature_id":2990017,'
            '"rev":1,"signature":"nDPI risk: Malformed Packet","category":"Generic Protocol '
            'Command Decode","severity":2,"metadata":{"ndpi_risk":["NDPI_MALFORMED_PACKET"],'
            '"ndpi_severity":["Low"]}},"flow":{"pkts_toserver":1,"pkts_toclient":0,'
            '"bytes_toserver":64,"bytes_toclient":0,"start":"2026-01-01T00:00:00.000000+0000"},'
            '"ndpi":{"protocol":"DNS","category":"Network","confidence":"DPI","risks":['
            '"NDPI_MALFORMED_PACKET"],"risk_score":10},"seawall":{"detector":"ndpi_risk"}}')
    for i in range(n):
        yield ('<171>1 2026-01-01T00:00:00.000000Z bench seawall 1 alert - ' +
               body % (1000000000000 + i, (i >> 8) & 255, i & 255, 1024 + (i & 0xfff), i)
               ).encode()


def relp(sock, msgs, window):
    offer = b"relp_version=0\nrelp_software=relpblast\ncommands=syslog"
    sock.sendall(b"1 open %d %s\n" % (len(offer), offer))
    buf = b""
    while True:  # the open's rsp: "1 rsp LEN DATA\n"
        buf += sock.recv(65536)
        parts = buf.split(b" ", 3)
        if len(parts) == 4 and len(parts[3]) > int(parts[2]):
            if not parts[3].startswith(b"200"):
                sys.exit("relpblast: open refused: %r" % parts[3][:80])
            break
    frames = [b"%d syslog %d %s\n" % (i + 2, len(m), m) for i, m in enumerate(msgs)]
    n = len(frames)
    t0 = time.monotonic()
    sent = acked = 0
    while acked < n:
        if sent < n and sent - acked < window:
            k = min(n, acked + window)
            sock.sendall(b"".join(frames[sent:k]))
            sent = k
        data = sock.recv(1 << 20)
        if not data:
            sys.exit("relpblast: the receiver closed after %d answers" % acked)
        acked += data.count(b"\n")  # an rsp "T rsp 6 200 OK\n" holds no other newline
    return time.monotonic() - t0


def tcp(sock, msgs):
    frames = [b"%d %s" % (len(m), m) for m in msgs]
    t0 = time.monotonic()
    for i in range(0, len(frames), 512):
        sock.sendall(b"".join(frames[i:i + 512]))
    return time.monotonic() - t0


def main():
    if len(sys.argv) < 5 or sys.argv[1] not in ("relp", "tcp"):
        sys.exit(__doc__.split("\n\n")[1])
    mode, host, port, n = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    window = int(sys.argv[5]) if len(sys.argv) > 5 else 128
    msgs = list(messages(n))
    sock = socket.create_connection((host, port))
    secs = relp(sock, msgs, window) if mode == "relp" else tcp(sock, msgs)
    sock.close()
    print("events %d seconds %.3f events_per_s %.0f" % (n, secs, n / secs))


if __name__ == "__main__":
    main()
