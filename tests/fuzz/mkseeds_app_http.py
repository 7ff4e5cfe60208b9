import zlib, os
d='tests/fuzz/corpus/fuzz_app_http'
def enc(ctl, recs):
    out=bytearray([ctl])
    for dr, payload in recs:
        if dr in ('gap0','gap1'):
            out += bytes([0x7f | (0x80 if dr=='gap1' else 0), payload]); continue
        for k in range(0, len(payload), 126):
            piece=payload[k:k+126]
            out.append(len(piece) | (0x80 if dr else 0)); out += piece
    return bytes(out)
plain=b"hello world, " * 50
c=zlib.compressobj(9, zlib.DEFLATED, 31); gz=c.compress(plain)+c.flush()
c=zlib.compressobj(9, zlib.DEFLATED, -15); raw=c.compress(plain)+c.flush()
zw=zlib.compress(plain)
c=zlib.compressobj(9, zlib.DEFLATED, 31); bomb=c.compress(b"\0"*1000000)+c.flush()
def hx(n): return ("%x" % n).encode()
def brotli_stored(data):
    # A brotli stream of one uncompressed meta-block (RFC 7932 9.2): WBITS 16 (bit 0), ISLAST 0,
    # MNIBBLES 4 (00), MLEN-1 in 16 bits, ISUNCOMPRESSED 1, pad to a byte; then ISLAST,
    # ISLASTEMPTY. Bits go least significant first.
    bits = [0, 0, 0, 0] + [((len(data) - 1) >> i) & 1 for i in range(16)] + [1]
    bits += [0] * (-len(bits) % 8)
    out = bytearray(sum(b << i for i, b in enumerate(bits[k:k + 8])) for k in range(0, len(bits), 8))
    return bytes(out) + data + bytes([0x03])
def chunk5(b, pre=b"", post=b""):
    out = b""
    for k in range(0, len(b), 5):
        piece = b[k:k+5]
        out += pre + hx(len(piece)) + post + b"\r\n" + piece + b"\r\n"
    return out + b"0\r\n\r\n"
body=b"body bytes a browser would download"
gzb=zlib.compressobj(9, zlib.DEFLATED, 31); gzb=gzb.compress(body)+gzb.flush()
def dc(n): return ("%d" % n).encode()
seeds={
 'get_200': enc(2,[(0,b"GET /a/b.txt?x=1 HTTP/1.1\r\nHost: h\r\nUser-Agent: ua\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 5\r\n\r\nhello")]),
 'post_chunked': enc(2,[(0,b"POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n0\r\nT: 1\r\n\r\n"),(1,b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n")]),
 'pipeline': enc(2,[(0,b"GET /1 HTTP/1.1\r\n\r\nHEAD /2 HTTP/1.1\r\n\r\nGET /3 HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx"),(1,b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nHTTP/1.1 304 Not Modified\r\n\r\n")]),
 'gzip': enc(2,[(0,b"GET /g HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Disposition: attachment; filename*=UTF-8''a%20b.gz\r\nContent-Length: "+dc(len(gz))+b"\r\n\r\n"+gz)]),
 'deflate_raw': enc(2,[(0,b"GET /d HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Encoding: deflate\r\nTransfer-Encoding: chunked\r\n\r\n"+hx(len(raw))+b"\r\n"+raw+b"\r\n0\r\n\r\n")]),
 'deflate_zlib_close': enc(2,[(0,b"GET /d HTTP/1.0\r\n\r\n"),(1,b"HTTP/1.0 200 OK\r\nContent-Encoding: deflate\r\n\r\n"+zw)]),
 'bomb': enc(2,[(0,b"GET /bomb HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: "+dc(len(bomb))+b"\r\n\r\n"+bomb)]),
 'huge_chunk': enc(2,[(0,b"GET / HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\n"+b"A"*300)]),
 'gap_resync': enc(2,[(0,b"GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\nabc"),('gap1',60),(1,b"junk\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")]),
 'connect_tunnel': enc(0,[(0,b"CONNECT h:443 HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 Connection established\r\n\r\n\x16\x03\x01")]),
 'garbage_allocfail': enc(0x31,[(0,b"SSH-2.0-x\r\n"),(1,bytes(range(256)))]),
 # issue 9: what evasion tools send (HTTP Evader's classes), decode errors, brotli
 'ev_chunk_junk': enc(0x0e,[(0,b"GET /e HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+chunk5(body,b"\v",b"x"))]),
 'ev_not_chunked': enc(0x0e,[(0,b"GET /e HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"+body)]),
 'ev_te_variants': enc(0x0e,[(0,b"GET /e HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nX: y\r\n Transfer-Encoding: chu\0nked;\r\nTransfer-Encoding : lalala\r\nContent-Length: 5\r\n\r\n"+chunk5(body))]),
 'ev_dup_cl': enc(0x0e,[(0,b"GET /e HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 34( 68)\r\n\r\n"+body)]),
 'ev_204_body': enc(0x0e,[(0,b"GET /e HTTP/1.1\r\n\r\nGET /f HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 100 Continue\r\nContent-Length: 9\r\n\r\n"+body+b"\r\nHTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n"+chunk5(body))]),
 'ev_http09': enc(0x0a,[(0,b"GET /e HTTP/1.1\r\n\r\n"),(1,b"SIP/2.0 200 OK\r\n"+body+b"\r\nHTTP/2.0 2xx\rContent-Length: 3\r\n\r\nabc")]),
 'ev_line_ends': enc(0x0e,[(0,b"GET /e HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\n\rX: 1\r\r\rY: 2\rContent-Length: 35\n\r\r\n\r\n"+body)]),
 'ev_ce_layers': enc(0x0e,[(0,b"GET /e HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Encoding: gz\0ip, br, deflate\r\nConnection: close\r\n\r\n"+gzb)]),
 'ev_gzip_flags': enc(0x0e,[(0,b"GET /e HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Encoding: x gzip\r\n\r\n"+gzb[:3]+bytes([gzb[3]|0xe2])+gzb[4:10]+b"\0\0"+gzb[10:-8]+b"\xff\xff\xff\xff")]),
 'decode_error_request': enc(0x0e,[(0,b"POST /p HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: 35\r\n\r\n"+body),(1,b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")]),
 'brotli': enc(0x0e,[(0,b"GET /b HTTP/1.1\r\n\r\n"),(1,b"HTTP/1.1 200 OK\r\nContent-Encoding: br\r\nTransfer-Encoding: chunked\r\n\r\n"+chunk5(brotli_stored(body)))]),
 'rst_until_close': enc(0x06,[(0,b"GET /c HTTP/1.0\r\n\r\n"),(1,b"HTTP/1.0 200 OK\r\n\r\n"+body)]),
}
for k,v in seeds.items():
    open(os.path.join(d,k),'wb').write(v)
