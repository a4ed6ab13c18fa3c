"""``yiwang licences rotate-key DEPT`` and ``yiwang licences keys``: the departments' signing keys (签章密钥)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yiwang.licences import queries
from yiwang.licences.actions import do_rotate_signing_key
from yiwang.org.models import Department


class Command(BaseCommand):
    help = "E-licence signing keys: `rotate-key DEPT` makes a new current key; `keys` lists every key."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        rotate = subcommands.add_parser("rotate-key", help="retire the department's key and make a new one")
        rotate.add_argument("department", help="department code")
        subcommands.add_parser("keys", help="list every signing key (kid, department, valid from/until)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "rotate-key":
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(f"no department with code {options['department']!r}")
            key = do_rotate_signing_key(None, department)
            self.stdout.write(f"{department.code}: new current key {key.kid}")
            return
        for key in queries.public_keys():
            until = key.retired_at.isoformat() if key.retired_at else "current"
            self.stdout.write(f"{key.kid}\t{key.department.code}\t{key.created_at.isoformat()}\t{until}")
