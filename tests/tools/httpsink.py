#!/usr/bin/env python3
"""httpsink.py - a stand-in for Elasticsearch's _bulk API and Splunk's HTTP Event Collector,
for the http sink's tests and benchmarks (no Elasticsearch or Splunk server is installable
here). Written from the vendors' API documentation of the wire formats:

Elasticsearch (--mode es): POST /_bulk, NDJSON (action line, source line); Content-Encoding:
gzip accepted. Answers 200 with {"took","errors","items":[{"<action>":{"_index","_id",
"status","result"|"error":{"type","reason"}}}]}, one item per action in order. "create" of
an _id already indexed answers 409 version_conflict_engine_exception, as Elasticsearch does.
Without the configured credentials: 401 with a security_exception body.

Splunk (--mode hec): POST /services/collector/event with "Authorization: Splunk TOKEN" and an
X-Splunk-Request-Channel header (required with acknowledgement); body: JSON event objects
one after another. Answers {"text":"Success","code":0,"ackId":N}; errors as HEC gives them:
401 {"text":"Token is required","code":2} / {"text":"Invalid authorization","code":3}, 403
{"text":"Invalid token","code":4}, 400 {"text":"Data channel is missing","code":10}, 400
{"text":"Invalid data format","code":6,"invalid-event-number":N}, 503 {"text":"Server is
busy","code":9}. POST /services/collector/ack {"acks":[ids]} answers {"acks":{"id":bool}}.

Every accepted document or event is appended to --log as one JSON line ({"_index","_id",
"doc"} for es; the event object as received for hec) in the order indexed.

Test control (loopback only): POST /_test/script with a JSON list of behaviours applied to the
next requests of events, one each:
  {"status": 429|503|401|..., "body": {...}}   whole-request answer, nothing indexed
  {"items": {"3": 429, "5": 400}}              es: per-item statuses by position
  {"invalid": 2}                               hec: 400 code 6 at event 2 (0-based)
  {"drop": true}                               close the connection without an answer
  {"delay": 1.5}                               answer after 1.5 s
  {"noack": true}                              hec: index, but never acknowledge the ackId
  {"ackdelay": 2}                              hec: acknowledge only after 2 ack polls
GET /_test/stats answers counters: requests, gzip, auth_failures, ack_polls, items_indexed.

usage: httpsink.py --mode es|hec --log FILE --port-file FILE [--token T] [--basic USER:PASS]
                   [--cert PEM --key PEM [--client-ca PEM]] [--quiet-fast]
--client-ca requires a client certificate signed by it (mutual TLS). The listening port is
written to --port-file once the socket listens."""
import argparse
import base64
import gzip
import json
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class State:
    def __init__(self, a):
        self.a = a
        self.lock = threading.Lock()
        self.script = []
        self.ids = set()
        self.log = open(a.log, "a", buffering=1)
        self.stats = {"requests": 0, "gzip": 0, "auth_failures": 0, "ack_polls": 0,
                      "items_indexed": 0, "dropped": 0}
        self.next_ack = 0
        self.pending = {}  # ackId -> polls left before it is acknowledged (None: never)


def es_item(action, index, doc_id, status, error=None):
    body = {"_index": index, "_id": doc_id, "status": status}
    if error is None:
        body.update({"_version": 1, "result": "created", "_seq_no": 0, "_primary_term": 1,
                     "_shards": {"total": 1, "successful": 1, "failed": 0}})
    else:
        body["error"] = error
    return {action: body}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def answer(self, status, obj):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length", "0"))
        data = self.rfile.read(n) if n > 0 else b""
        if self.headers.get("Content-Encoding", "") == "gzip":
            with ST.lock:
                ST.stats["gzip"] += 1
            data = gzip.decompress(data)
        return data

    def do_GET(self):
        if self.path == "/_test/stats":
            with ST.lock:
                self.answer(200, dict(ST.stats))
            return
        self.answer(404, {"error": "not found"})

    def authorized_es(self):
        want_basic, want_token = ST.a.basic, ST.a.token
        if not want_basic and not want_token:
            return True
        got = self.headers.get("Authorization", "")
        if want_basic and got == "Basic " + base64.b64encode(want_basic.encode()).decode():
            return True
        if want_token and got == "ApiKey " + want_token:
            return True
        return False

    def do_POST(self):
        if self.path == "/_test/script":
            data = self.body()
            with ST.lock:
                ST.script.extend(json.loads(data))
            self.answer(200, {"ok": True})
            return
        if ST.a.mode == "es" and self.path == "/_bulk":
            self.bulk()
        elif ST.a.mode == "hec" and self.path == "/services/collector/event":
            self.hec_event()
        elif ST.a.mode == "hec" and self.path == "/services/collector/ack":
            self.hec_ack()
        else:
            self.body()
            self.answer(404, {"error": "no handler for %s" % self.path})

    def behaviour(self):
        with ST.lock:
            ST.stats["requests"] += 1
            return ST.script.pop(0) if ST.script else {}

    def common(self, b):
        """Apply drop/delay/status; True when the request was answered here."""
        if b.get("delay"):
            time.sleep(float(b["delay"]))
        if b.get("drop"):
            with ST.lock:
                ST.stats["dropped"] += 1
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return True
        if "status" in b:
            self.answer(int(b["status"]), b.get("body", {"error": "scripted"}))
            return True
        return False

    def bulk(self):
        data = self.body()
        b = self.behaviour()
        if not self.authorized_es():
            with ST.lock:
                ST.stats["auth_failures"] += 1
            self.answer(401, {"error": {"type": "security_exception",
                                        "reason": "unable to authenticate user"},
                              "status": 401})
            return
        if self.common(b):
            return
        lines = data.split(b"\n")
        if lines and lines[-1] == b"":
            lines.pop()
        items, errors = [], False
        scripted = {int(k): v for k, v in b.get("items", {}).items()}
        out = []
        for i in range(0, len(lines) - 1, 2):
            action = json.loads(lines[i])
            (op, meta), = action.items()
            index, doc_id = meta.get("_index"), meta.get("_id")
            pos = i // 2
            st = scripted.get(pos)
            if st is None:
                try:
                    doc = json.loads(lines[i + 1])
                except ValueError:
                    st = 400
            if st == 400:
                errors = True
                items.append(es_item(op, index, doc_id, 400, {
                    "type": "mapper_parsing_exception",
                    "reason": "failed to parse field [alert.signature_id] of type [long]"}))
            elif st is not None and st != 201:
                errors = True
                items.append(es_item(op, index, doc_id, st, {
                    "type": "es_rejected_execution_exception" if st == 429 else
                    "unavailable_shards_exception", "reason": "scripted"}))
            elif op == "create" and (index, doc_id) in ST.ids:
                errors = True
                items.append(es_item(op, index, doc_id, 409, {
                    "type": "version_conflict_engine_exception",
                    "reason": "[%s]: version conflict, document already exists" % doc_id}))
            else:
                ST.ids.add((index, doc_id))
                items.append(es_item(op, index, doc_id, 201))
                out.append(json.dumps({"_index": index, "_id": doc_id, "doc": doc}))
        with ST.lock:
            ST.stats["items_indexed"] += len(out)
            if out:
                ST.log.write("\n".join(out) + "\n")
        self.answer(200, {"took": 1, "errors": errors, "items": items})

    def hec_auth(self):
        got = self.headers.get("Authorization")
        if got is None:
            return 401, {"text": "Token is required", "code": 2}
        if not got.startswith("Splunk "):
            return 401, {"text": "Invalid authorization", "code": 3}
        if got != "Splunk " + (ST.a.token or ""):
            return 403, {"text": "Invalid token", "code": 4}
        return None

    def hec_event(self):
        data = self.body()
        b = self.behaviour()
        bad = self.hec_auth()
        if bad:
            with ST.lock:
                ST.stats["auth_failures"] += 1
            self.answer(*bad)
            return
        if not self.headers.get("X-Splunk-Request-Channel"):
            self.answer(400, {"text": "Data channel is missing", "code": 10})
            return
        if self.common(b):
            return
        dec = json.JSONDecoder()
        text = data.decode()
        events, pos = [], 0
        while True:
            while pos < len(text) and text[pos] in " \t\r\n":
                pos += 1
            if pos >= len(text):
                break
            try:
                obj, pos = dec.raw_decode(text, pos)
            except ValueError:
                self.answer(400, {"text": "Invalid data format", "code": 6,
                                  "invalid-event-number": len(events)})
                return
            events.append(obj)
        if not events:
            self.answer(400, {"text": "No data", "code": 5})
            return
        inv = b.get("invalid")
        if inv is not None:
            # HEC indexes the events before the invalid one.
            keep = events[:int(inv)]
            with ST.lock:
                for e in keep:
                    ST.log.write(json.dumps(e) + "\n")
                ST.stats["items_indexed"] += len(keep)
            self.answer(400, {"text": "Invalid data format", "code": 6,
                              "invalid-event-number": int(inv)})
            return
        with ST.lock:
            for e in events:
                ST.log.write(json.dumps(e) + "\n")
            ST.stats["items_indexed"] += len(events)
            ack = ST.next_ack
            ST.next_ack += 1
            ST.pending[ack] = None if b.get("noack") else int(b.get("ackdelay", 0))
        self.answer(200, {"text": "Success", "code": 0, "ackId": ack})

    def hec_ack(self):
        data = self.body()
        bad = self.hec_auth()
        if bad:
            self.answer(*bad)
            return
        if not self.headers.get("X-Splunk-Request-Channel"):
            self.answer(400, {"text": "Data channel is missing", "code": 10})
            return
        ids = json.loads(data).get("acks", [])
        out = {}
        with ST.lock:
            ST.stats["ack_polls"] += 1
            for i in ids:
                left = ST.pending.get(i, "gone")
                if left == "gone" or left is None:
                    out[str(i)] = False
                elif left > 0:
                    ST.pending[i] = left - 1
                    out[str(i)] = False
                else:
                    out[str(i)] = True
                    del ST.pending[i]
        self.answer(200, {"acks": out})


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


def main():
    global ST
    ap = argparse.ArgumentParser()
    ap.add_argument("--mode", choices=["es", "hec"], required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--token")
    ap.add_argument("--basic")
    ap.add_argument("--cert")
    ap.add_argument("--key")
    ap.add_argument("--client-ca")
    ap.add_argument("--port", type=int, default=0)
    a = ap.parse_args()
    ST = State(a)
    srv = Server(("127.0.0.1", a.port), Handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    with open(a.port_file + ".tmp", "w") as f:
        f.write("%d\n" % srv.server_address[1])
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
