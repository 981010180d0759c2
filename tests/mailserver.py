"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd), that records what it accepts.

It can be stopped and started again on the same port (an outage), close the session after ``accept`` messages
(``421``, as a server shutting down does), hang on a message until the client times out, and refuse chosen
recipients with a permanent ``550``.
"""

import asyncio
import email
import email.policy
import socket
from dataclasses import dataclass, field

from aiosmtpd.controller import Controller


@dataclass
class Received:
    to: list
    message: email.message.EmailMessage

    @property
    def subject(self):
        return str(self.message["Subject"])

    @property
    def body(self):
        return self.message.get_body(preferencelist=("plain",)).get_content()


@dataclass
class Handler:
    received: list = field(default_factory=list)
    accept: int | None = None  # after this many messages, answer 421 and close
    refused: set = field(default_factory=set)  # recipients answered 550
    hang: int = 0  # this many messages get no answer for ``hang_seconds`` (the client times out), then a 451
    hang_seconds: float = 3

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.refused:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.hang:
            self.hang -= 1
            await asyncio.sleep(self.hang_seconds)
            return "451 4.3.0 Timed out, message not accepted"
        if self.accept is not None and len(self.received) >= self.accept:
            return "421 4.3.2 Service shutting down, closing transmission channel"
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        self.received.append(Received(to=list(envelope.rcpt_tos), message=message))
        return "250 2.0.0 Message accepted for delivery"


class MailServer:
    def __init__(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.handler = Handler()
        self.controller = None

    @property
    def received(self):
        return self.handler.received

    def subjects(self):
        return sorted(received.subject for received in self.received)

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None
