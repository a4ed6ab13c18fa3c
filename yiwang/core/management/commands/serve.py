"""``yiwang serve``: the web server (gunicorn) and one job consumer (Huey), started and stopped together (服务启动)."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from yiwang.envconf import env_int, env_str

STOP_GRACE_SECONDS = 20
POLL_SECONDS = 0.2


class Command(BaseCommand):
    help = (
        "Serve the platform: gunicorn on 127.0.0.1:$PORT (default 8000, $WEB_WORKERS workers, default 2) "
        "and one Huey job consumer. Ctrl-C or SIGTERM stops both; if either dies, the other is stopped too."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default=env_str("HOST", "127.0.0.1"), help="address to bind")
        parser.add_argument("--port", type=int, default=env_int("PORT", 8000), help="port to bind ($PORT)")
        parser.add_argument(
            "--workers", type=int, default=env_int("WEB_WORKERS", 2), help="gunicorn workers ($WEB_WORKERS)"
        )

    def handle(self, *args: Any, host: str, port: int, workers: int, **options: Any) -> None:
        commands = {
            "web": [
                sys.executable,
                "-m",
                "gunicorn",
                "yiwang.wsgi:application",
                "--bind",
                f"{host}:{port}",
                "--workers",
                str(workers),
                "--access-logfile",
                "-",
            ],
            "jobs": [sys.executable, "-m", "yiwang.cli", "run_huey"],
        }
        # Each child gets its own process group, so a terminal's Ctrl-C reaches it once: through us.
        children = {
            name: subprocess.Popen(command, process_group=0)  # noqa: S603 - fixed argv
            for name, command in commands.items()
        }
        self.stdout.write(f"Yiwang is serving at http://{host}:{port}/ (Ctrl-C to stop)", ending="\n")
        self.stdout.flush()

        stop_requested: list[int] = []

        def forward(signum: int, frame: FrameType | None) -> None:
            stop_requested.append(signum)

        previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            exited = self._wait_for_first_exit(children, stop_requested)
        finally:
            signal_to_send = stop_requested[0] if stop_requested else signal.SIGTERM
            self._stop_all(children, signal_to_send)
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        if exited is not None:
            name, code = exited
            self.stderr.write(f"the {name} process exited with code {code}; stopped the others")
            sys.exit(code or 1)

    @staticmethod
    def _wait_for_first_exit(
        children: dict[str, subprocess.Popen[bytes]], stop_requested: list[int]
    ) -> tuple[str, int] | None:
        """Wait until a stop signal arrives (None) or a child exits (its name and code)."""
        while not stop_requested:
            for name, child in children.items():
                code = child.poll()
                if code is not None:
                    return name, code
            time.sleep(POLL_SECONDS)
        return None

    @staticmethod
    def _stop_all(children: dict[str, subprocess.Popen[bytes]], signum: int) -> None:
        for child in children.values():
            if child.poll() is None:
                child.send_signal(signum)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children.values():
            try:
                child.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()
