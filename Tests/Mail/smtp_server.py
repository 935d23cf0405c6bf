#!/usr/bin/env python3
"""A loopback SMTP server for BillfoldMailTests, on aiosmtpd.

Prints one JSON line on stdout once it listens: {"port": N, "ca": "/path/ca.pem"}; exits when stdin closes.
Each message it accepts is written to --spool as N.eml (the data as received, dot-stuffing undone) and N.json
(the envelope, the session, and the message as Python's email package reads it).

Modes: starttls (STARTTLS offered, AUTH PLAIN/LOGIN only after it), tls (implicit TLS), plain (no TLS; AUTH
offered in the clear, as a loopback relay might), silent (accepts connections and never says a word).
--exclude-auth PLAIN leaves only LOGIN. Special recipients: tempfail-once@… answers 451 the first time, nouser@…
always 550.

`smtp_server.py --parse FILE.eml` prints the parsed summary of a message file instead (needs no aiosmtpd).
"""
import argparse
import asyncio
import base64
import email
import email.policy
import json
import os
import shutil
import ssl
import subprocess
import sys
import threading

USER = b"billfold"
PASSWORD = b"s3cret:p@ss word"


def make_certificates(directory):
    """A throwaway CA and a server certificate for localhost and 127.0.0.1, signed by it."""
    if shutil.which("openssl") is None:
        sys.exit("smtp_server.py: the openssl command is missing (apt-get install openssl)")
    ca_key, ca_pem = os.path.join(directory, "ca.key"), os.path.join(directory, "ca.pem")
    key, csr, pem = (os.path.join(directory, name) for name in ("server.key", "server.csr", "server.pem"))
    extensions = os.path.join(directory, "server.ext")
    with open(extensions, "w") as file:
        file.write("subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n"
                   "keyUsage=digitalSignature,keyEncipherment\nextendedKeyUsage=serverAuth\n")

    def run(*arguments):
        subprocess.run(["openssl", *arguments], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_pem, "-days", "2",
        "-subj", "/CN=Billfold test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    run("x509", "-req", "-in", csr, "-CA", ca_pem, "-CAkey", ca_key, "-CAcreateserial", "-out", pem, "-days", "2",
        "-extfile", extensions)
    return ca_pem, pem, key


def summary(raw):
    """What the message says, as Python's email package parses it."""
    message = email.message_from_bytes(raw, policy=email.policy.default)
    parsed = {
        "headers": [name for name in message.keys()],
        "subject": message["subject"],
        "from": [{"name": a.display_name, "address": a.addr_spec} for a in message["from"].addresses]
        if message["from"] else [],
        "to": [{"name": a.display_name, "address": a.addr_spec} for a in message["to"].addresses]
        if message["to"] else [],
        "bcc": message["bcc"],
        "message_id": message["message-id"],
        "date": message["date"],
        "content_type": message.get_content_type(),
        "defects": [repr(d) for part in message.walk() for d in part.defects],
        "parts": [],
    }
    for name in ("plain", "html"):
        body = message.get_body((name,))
        parsed[name] = body.get_content() if body is not None else None
    for part in message.walk():
        if part.is_multipart():
            parsed["parts"].append({"content_type": part.get_content_type()})
            continue
        parsed["parts"].append({
            "content_type": part.get_content_type(),
            "filename": part.get_filename(),
            "disposition": part.get_content_disposition(),
            "transfer_encoding": part["content-transfer-encoding"],
            "data": base64.b64encode(part.get_payload(decode=True) or b"").decode("ascii"),
        })
    return parsed


class Handler:
    def __init__(self, spool):
        self.spool = spool
        self.count = 0
        self.deferred_once = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local == "nouser":
            return "550 5.1.1 no such user"
        if local == "tempfail-once" and address not in self.deferred_once:
            self.deferred_once.add(address)
            return "451 4.3.0 try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        raw = envelope.original_content
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "authenticated": bool(session.authenticated),
            "auth_mechanism": getattr(session, "billfold_mechanism", None),
            "message": summary(raw),
        }
        base = os.path.join(self.spool, str(self.count))
        # Written before the 250, and renamed into place, so a client that has its 250 finds whole files.
        with open(base + ".eml.tmp", "wb") as file:
            file.write(raw)
        with open(base + ".json.tmp", "w") as file:
            json.dump(record, file, ensure_ascii=False, indent=1)
        os.replace(base + ".eml.tmp", base + ".eml")
        os.replace(base + ".json.tmp", base + ".json")
        return "250 2.0.0 queued as %d" % self.count


def authenticator(server, session, envelope, mechanism, auth_data):
    from aiosmtpd.smtp import AuthResult, LoginPassword

    session.billfold_mechanism = mechanism
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    # handled=False: aiosmtpd answers a failure with 535 itself.
    return AuthResult(success=ok, handled=False)


async def serve(arguments):
    from aiosmtpd.smtp import SMTP

    ca, certificate, key = make_certificates(arguments.certs)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(certificate, key)
    handler = Handler(arguments.spool)

    def factory():
        options = dict(authenticator=authenticator, hostname="billfold-test-smtp", decode_data=False,
                       auth_exclude_mechanism=arguments.exclude_auth)
        if arguments.mode == "starttls":
            return SMTP(handler, tls_context=context, require_starttls=False, auth_require_tls=True, **options)
        return SMTP(handler, auth_require_tls=False, **options)

    async def silent(reader, writer):
        await reader.read()
        writer.close()

    loop = asyncio.get_running_loop()
    if arguments.mode == "silent":
        server = await asyncio.start_server(silent, host="127.0.0.1", port=arguments.port)
    else:
        server = await loop.create_server(factory, host="127.0.0.1", port=arguments.port,
                                          ssl=context if arguments.mode == "tls" else None)
    port = server.sockets[0].getsockname()[1]
    print(json.dumps({"port": port, "ca": ca}), flush=True)
    stop = asyncio.Event()
    # The test process closes our stdin when it is done (or dies): that ends the server.
    threading.Thread(target=lambda: (sys.stdin.read(), loop.call_soon_threadsafe(stop.set)), daemon=True).start()
    async with server:
        await stop.wait()


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mode", choices=["starttls", "tls", "plain", "silent"])
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--spool", help="folder for received messages")
    parser.add_argument("--certs", help="folder for the generated CA and server certificate")
    parser.add_argument("--exclude-auth", action="append", default=[], help="an AUTH mechanism not to offer")
    parser.add_argument("--parse", metavar="FILE", help="print the summary of a message file and exit")
    arguments = parser.parse_args()
    if arguments.parse:
        with open(arguments.parse, "rb") as file:
            print(json.dumps(summary(file.read()), ensure_ascii=False))
        return
    if not (arguments.mode and arguments.spool and arguments.certs):
        parser.error("--mode, --spool and --certs are needed to serve")
    os.makedirs(arguments.spool, exist_ok=True)
    os.makedirs(arguments.certs, exist_ok=True)
    asyncio.run(serve(arguments))


if __name__ == "__main__":
    main()
