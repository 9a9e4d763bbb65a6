"""Run the local SMTP catcher whose mails operators read in the back office."""

import signal
import threading

from django.conf import settings
from django.core.management.base import BaseCommand

from madoguchi.mailcatcher.services import start_catcher


class Command(BaseCommand):
    help = "Receive mail on a local SMTP port and keep it for the back office."

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=settings.EMAIL_PORT)

    def handle(self, *args, host: str, port: int, **options):
        controller = start_catcher(host, port)
        self.stdout.write(f"SMTP catcher listening on {host}:{port}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
        finally:
            controller.stop()
