#!/usr/bin/env python3
"""A real HTTP receiver for Billfold's outgoing webhooks, used by the Swift tests.

It verifies Standard Webhooks signatures with an implementation independent of
Billfold's (standard library only: hmac, hashlib, base64). The signed content is
"{webhook-id}.{webhook-timestamp}.{raw body}", the key is the base64-decoded
secret after the "whsec_" prefix, and "webhook-signature" holds space-separated
"v1,<base64 HMAC-SHA256>" entries. Timestamps must be within 5 minutes of now.

Usage:
    python3 receiver.py [--port N]   # listen on 127.0.0.1 (0 = ephemeral);
                                     # prints "listening on <port>" once ready;
                                     # exits when stdin closes
    python3 receiver.py --self-test  # check the specification's test vector

Webhook targets: POST /hooks/<name> (any name). Each one is recorded and
answered per the name's configuration (default: no secrets, always 200).

Control API (JSON):
    PUT /_control/hooks/<name>           {"secrets": ["whsec_..."],
                                          "script": [spec, ...], "default": spec}
        Replaces the configuration and clears what was received; answers 204.
        spec = {"status": 200, "delay": 0.0, "headers": {...}, "body": "text"},
        all keys optional. Script items answer successive requests in order;
        once used up, "default" (or a plain 200) answers.
    GET /_control/hooks/<name>/received  {"received": [record, ...]}
    GET /_control/hooks/<name>/summary   {"count", "unique_ids", "duplicate_ids",
                                          "unverified", "stale"}
    GET /health                          200 "ok"
Anything else answers 404.
"""

import argparse
import base64
import hashlib
import hmac
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 300


def secret_key(secret):
    """Return the HMAC key bytes for a "whsec_..." secret."""
    if secret.startswith("whsec_"):
        secret = secret[len("whsec_"):]
    return base64.b64decode(secret, validate=True)


def verify(keys, msg_id, timestamp, body, signature_header):
    """Return the sorted indexes of the keys that match a v1 signature entry."""
    if msg_id is None or timestamp is None:
        return []
    content = f"{msg_id}.{timestamp}.".encode() + body
    expected = [base64.b64encode(hmac.new(k, content, hashlib.sha256).digest()) for k in keys]
    matched = set()
    for entry in (signature_header or "").split():
        version, _, sig = entry.partition(",")
        if version != "v1":
            continue
        for index, digest in enumerate(expected):
            if hmac.compare_digest(digest, sig.encode()):
                matched.add(index)
    return sorted(matched)


class Hook:
    """Configuration and received records for one /hooks/<name> target."""

    def __init__(self, config=None):
        config = config or {}
        self.keys = [secret_key(s) for s in config.get("secrets", [])]
        self.script = list(config.get("script", []))
        self.default = config.get("default") or {}
        self.received = []
        self.ids = set()
        self.unverified = 0
        self.stale = 0

    def next_spec(self):
        """Pop the next scripted answer, or the default once the script is used up."""
        return self.script.pop(0) if self.script else self.default


LOCK = threading.Lock()
HOOKS = {}


def hook(name):
    """Return (creating if needed) the hook called name; call with LOCK held."""
    if name not in HOOKS:
        HOOKS[name] = Hook()
    return HOOKS[name]


class Handler(BaseHTTPRequestHandler):
    """Serves webhook targets, the control API and /health."""

    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body are separate writes

    def log_message(self, format, *args):
        """Stay quiet."""

    def read_body(self):
        """Read the request body (Content-Length or chunked)."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def answer(self, status, body=b"", content_type="text/plain", headers=None):
        """Send a complete response, always with Content-Length."""
        if isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, str(value))
        if body:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def answer_json(self, value):
        """Send 200 with a JSON body."""
        self.answer(200, json.dumps(value), "application/json")

    def do_GET(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        if parts == ["health"]:
            return self.answer(200, "ok")
        if len(parts) == 4 and parts[:2] == ["_control", "hooks"]:
            with LOCK:
                h = hook(parts[2])
                if parts[3] == "received":
                    return self.answer_json({"received": list(h.received)})
                if parts[3] == "summary":
                    count = len(h.received)
                    return self.answer_json({
                        "count": count, "unique_ids": len(h.ids),
                        "duplicate_ids": count - len(h.ids),
                        "unverified": h.unverified, "stale": h.stale})
        self.answer(404, "not found")

    def do_PUT(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        body = self.read_body()
        if len(parts) == 3 and parts[:2] == ["_control", "hooks"]:
            try:
                new = Hook(json.loads(body or b"{}"))
            except (ValueError, TypeError, AttributeError) as error:
                return self.answer(400, f"bad configuration: {error}")
            with LOCK:
                HOOKS[parts[2]] = new
            return self.answer(204)
        self.answer(404, "not found")

    def do_POST(self):
        parts = self.path.split("?")[0].strip("/").split("/")
        body = self.read_body()
        if len(parts) != 2 or parts[0] != "hooks":
            return self.answer(404, "not found")
        msg_id = self.headers.get("webhook-id")
        signature_header = self.headers.get("webhook-signature")
        try:
            timestamp = int(self.headers.get("webhook-timestamp"))
        except (TypeError, ValueError):
            timestamp = None
        now = time.time()
        fresh = timestamp is not None and abs(now - timestamp) <= TOLERANCE_SECONDS
        with LOCK:
            h = hook(parts[1])
            keys, spec = h.keys, h.next_spec()
        verified_with = verify(keys, msg_id, timestamp, body, signature_header)
        status = int(spec.get("status", 200))
        record = {
            "webhook_id": msg_id, "timestamp": timestamp,
            "signatures": (signature_header or "").split(),
            "verified": bool(verified_with), "verified_with": verified_with,
            "timestamp_fresh": fresh, "body": body.decode("utf-8", "replace"),
            "content_type": self.headers.get("Content-Type"),
            "status": status, "received_at": now}
        with LOCK:
            h.received.append(record)
            h.ids.add(msg_id)
            h.unverified += not verified_with
            h.stale += not fresh
        if spec.get("delay"):
            time.sleep(float(spec["delay"]))
        self.answer(status, spec.get("body", ""), headers=spec.get("headers"))


class Server(ThreadingHTTPServer):
    """Threaded server that ignores clients hanging up early."""

    daemon_threads = True

    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)


def self_test():
    """Check the Standard Webhooks test vector; return an error message or None."""
    keys = [secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")]
    msg_id, ts, body = "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, b'{"test": 2432232314}'
    sig = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    if verify(keys, msg_id, ts, body, f"v1,bogus {sig}") != [0]:
        return "published test vector did not verify"
    if verify(keys, msg_id, ts, b'{"test": 2432232315}', sig):
        return "tampered body verified"
    if verify([secret_key("whsec_" + base64.b64encode(b"x" * 24).decode())], msg_id, ts, body, sig):
        return "wrong secret verified"
    return None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    if args.self_test:
        error = self_test()
        print(f"self-test failed: {error}" if error else "self-test ok")
        sys.exit(1 if error else 0)
    server = Server(("127.0.0.1", args.port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    # The test process closes our stdin when it is done, or when it dies: that ends the receiver, so it never
    # outlives the tests.
    threading.Thread(target=lambda: (sys.stdin.read(), server.shutdown()), daemon=True).start()
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
