#!/usr/bin/env python3
"""Writes Tests/BillfoldPaymentsTests/Vectors/signatures.json: Razorpay signature cases computed with Python's
own hmac/hashlib, so the Swift signer is checked against an independent implementation.

Run from the repository root: python3 scripts/razorpay-signature-vectors.py

Decisions the negative cases pin down:
- a signature is exactly 64 lower-case hex digits; upper-case hex is refused (Razorpay sends lower case and its
  SDKs compare the hex strings, so they refuse it too);
- an empty secret verifies nothing, even a signature correctly made with the empty key.
"""

import base64
import hashlib
import hmac
import json
import pathlib

OUTPUT = pathlib.Path(__file__).resolve().parent.parent / "Tests/BillfoldPaymentsTests/Vectors/signatures.json"

KEY_SECRET = "EnLs21M47BllR3X8PSFtjtbd"
WEBHOOK_SECRET = "whsec-Billfold_test-9f2c"


def sign(message: bytes, secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def checkout_case(name, order_id, payment_id, secret):
    return {
        "name": name,
        "orderID": order_id,
        "paymentID": payment_id,
        "secret": secret,
        "signature": sign(f"{order_id}|{payment_id}".encode("utf-8"), secret),
    }


def webhook_case(name, body: bytes, secret):
    return {
        "name": name,
        "body": base64.b64encode(body).decode("ascii"),
        "secret": secret,
        "signature": sign(body, secret),
    }


def flip_one_digit(signature: str) -> str:
    position = len(signature) // 2
    replacement = "0" if signature[position] != "0" else "1"
    return signature[:position] + replacement + signature[position + 1:]


def upper_case(signature: str) -> str:
    upper = signature.upper()
    assert upper != signature, "the signature must contain a letter for this case to mean anything"
    return upper


CAPTURED = (
    '{"entity":"event","account_id":"acc_BFQ7uQEaa7j2z7","event":"payment.captured","contains":["payment"],'
    '"payload":{"payment":{"entity":{"id":"pay_DESp9bgForNoUd","entity":"payment","amount":50000,'
    '"currency":"INR","status":"captured","order_id":"order_DESlfW9H8K9uqM","method":"upi",'
    '"amount_refunded":0,"captured":true,"notes":[],"created_at":1567674797}}},"created_at":1691735748}'
).encode("utf-8")

# Pretty-printed with CRLF line ends, a tab, trailing spaces and a final newline: whitespace is signed too.
SPACED = (
    b'{\r\n\t"entity": "event",  \r\n  "event": "order.paid",\r\n  "contains": [ "order" ],\r\n'
    b'  "created_at": 1691735748\r\n}\n'
)

# Non-ASCII in a note, written as raw UTF-8 (not \\u escapes): Devanagari, an accented Latin letter, an emoji.
UNICODE = (
    '{"entity":"event","event":"payment.failed","payload":{"payment":{"entity":{"notes":'
    '{"customer":"राहुल शर्मा","city":"Besançon","mood":"🙂"}}}}}'
).encode("utf-8")


def main():
    checkout = [
        checkout_case("documented shape", "order_IEIaMR65cu6nz3", "pay_IH4NVgf4Dreq1l", KEY_SECRET),
        checkout_case("short ids", "order_1", "pay_2", KEY_SECRET),
        checkout_case("secret with punctuation", "order_DBJOWzybf0sJbb", "pay_DESlfW9H8K9uqM", "s3cr3t|with:punct"),
    ]
    webhook = [
        webhook_case("payment.captured, compact", CAPTURED, WEBHOOK_SECRET),
        webhook_case("whitespace and CRLF", SPACED, WEBHOOK_SECRET),
        webhook_case("non-ASCII UTF-8", UNICODE, WEBHOOK_SECRET),
        webhook_case("empty body", b"", WEBHOOK_SECRET),
    ]

    good = webhook[0]
    good_body = base64.b64decode(good["body"])
    negative = [
        {
            "name": "wrong secret",
            "body": good["body"],
            "secret": "whsec-some-other-secret",
            "signature": good["signature"],
        },
        {
            "name": "one hex digit flipped",
            "body": good["body"],
            "secret": WEBHOOK_SECRET,
            "signature": flip_one_digit(good["signature"]),
        },
        {
            "name": "upper-case hex",
            "body": good["body"],
            "secret": WEBHOOK_SECRET,
            "signature": upper_case(good["signature"]),
        },
        {
            "name": "truncated to 63 digits",
            "body": good["body"],
            "secret": WEBHOOK_SECRET,
            "signature": good["signature"][:-1],
        },
        {
            "name": "truncated to 32 bytes of hex, 62 digits",
            "body": good["body"],
            "secret": WEBHOOK_SECRET,
            "signature": good["signature"][:-2],
        },
        {
            "name": "empty signature",
            "body": good["body"],
            "secret": WEBHOOK_SECRET,
            "signature": "",
        },
        {
            "name": "one trailing byte added to the body",
            "body": base64.b64encode(good_body + b"\n").decode("ascii"),
            "secret": WEBHOOK_SECRET,
            "signature": good["signature"],
        },
        {
            "name": "not hex",
            "body": good["body"],
            "secret": WEBHOOK_SECRET,
            "signature": "z" * 64,
        },
        {
            "name": "empty secret",
            "body": good["body"],
            "secret": "",
            "signature": sign(good_body, ""),
        },
    ]

    document = {
        "generator": "scripts/razorpay-signature-vectors.py",
        "checkout": checkout,
        "webhook": webhook,
        "negative": negative,
    }
    OUTPUT.parent.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {OUTPUT}")


if __name__ == "__main__":
    main()
