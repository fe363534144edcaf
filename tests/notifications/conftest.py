"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, and notification helpers."""
import email
import email.policy
import logging
import socket
from dataclasses import dataclass

import pytest
from aiosmtpd.controller import Controller

from incubator.extensions import db
from incubator.notifications.models import Notification


def free_port():
    """A loopback port nobody listens on (until a test starts a server there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(('127.0.0.1', 0))
        return sock.getsockname()[1]


@dataclass
class Received:
    mail_from: str
    rcpt_tos: list
    raw: bytes
    message: email.message.EmailMessage


class CollectingHandler:
    """Accepts every message, except for addresses in ``refuse`` (address → SMTP reply)."""

    def __init__(self):
        self.received = []
        self.refuse = {}

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return '250 OK'

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), raw,
                                      email.message_from_bytes(raw, policy=email.policy.default)))
        return '250 Message accepted for delivery'


class SMTPServer:
    def __init__(self, port):
        self.port = port
        self.handler = CollectingHandler()
        self.controller = None

    @property
    def received(self):
        return self.handler.received

    @property
    def refuse(self):
        return self.handler.refuse

    def start(self):
        self.controller = Controller(self.handler, hostname='127.0.0.1', port=self.port)
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_server(app, monkeypatch):
    """An SMTP server the app sends to, not yet started: ``smtp_server.start()`` brings it up."""
    server = SMTPServer(free_port())
    for key, value in {'MAIL_BACKEND': 'smtp', 'MAIL_SERVER': '127.0.0.1', 'MAIL_PORT': server.port,
                       'MAIL_USE_TLS': False, 'MAIL_USE_SSL': False, 'MAIL_USERNAME': None,
                       'MAIL_PASSWORD': None}.items():
        monkeypatch.setitem(app.config, key, value)
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server):
    """A running SMTP server the app sends to."""
    smtp_server.start()
    return smtp_server


@pytest.fixture
def notifications(app):
    """``notifications(user)``: the user's notifications, oldest first, as stored."""
    import sqlalchemy as sa

    def stored(user=None):
        query = sa.select(Notification).order_by(Notification.id)
        if user is not None:
            query = query.filter_by(user_id=user.id)
        db.session.expire_all()
        return db.session.execute(query).scalars().all()
    return stored


@pytest.fixture
def mail_logs(caplog, monkeypatch):
    """caplog for the mail loggers, even after a logging.config call (Alembic's) disabled them."""
    for name in ('incubator.notifications.email', 'incubator.notifications.delivery'):
        monkeypatch.setattr(logging.getLogger(name), 'disabled', False)
    caplog.set_level(logging.DEBUG, logger='incubator')
    return caplog
