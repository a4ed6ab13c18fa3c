"""``yiwang audit verify``: check the whole audit chain (审计链校验)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yiwang.core.audit import verify_chain


class Command(BaseCommand):
    help = "Audit chain tools. `verify` checks every record and exits non-zero at the first bad one."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        subcommands.add_parser("verify", help="verify the whole chain")

    def handle(self, *args: Any, **options: Any) -> None:
        report = verify_chain()
        if report.problem is None:
            self.stdout.write(f"audit chain OK: {report.checked} records checked")
            return
        problem = report.problem
        row = f" (row id {problem.record_id})" if problem.record_id is not None else ""
        raise CommandError(
            f"audit chain BROKEN at record #{problem.seq}{row}: {problem.reason}; "
            f"{report.checked} records before it are intact"
        )
