"""A real SMTP server for the e-mail tests: aiosmtpd (Debian's python3-aiosmtpd) on a loopback port, taking
AUTH PLAIN/LOGIN with one login over the plain connection (loopback only), and writing each message it receives
to DIR/<n>.json: the envelope, every header, and the plain-text body decoded as the recipient reads it.

Usage: smtp_sink.py PORT DIR USER PASSWORD. Prints "ready" once it listens; runs until killed."""

import asyncio
import email
import email.policy
import json
import os
import sys

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

PORT, DIR, USER, PASSWORD = int(sys.argv[1]), sys.argv[2], sys.argv[3].encode(), sys.argv[4].encode()


class Sink:
    def __init__(self):
        self.count = 0

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        body = message.get_body(preferencelist=("plain",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "authenticated": session.authenticated,
            "headers": {k: str(v) for k, v in message.items()},
            "content_type": message.get_content_type(),
            "body": body.get_content() if body is not None else None,
        }
        self.count += 1
        path = os.path.join(DIR, f"{self.count:04}.json")
        with open(path + ".tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = isinstance(auth_data, LoginPassword) and auth_data.login == USER and auth_data.password == PASSWORD
    return AuthResult(success=ok)


controller = Controller(
    Sink(),
    hostname="127.0.0.1",
    port=PORT,
    authenticator=authenticator,
    auth_required=True,
    auth_require_tls=False,
)
controller.start()
print("ready", flush=True)
try:
    asyncio.get_event_loop().run_forever()
except KeyboardInterrupt:
    pass
finally:
    controller.stop()
