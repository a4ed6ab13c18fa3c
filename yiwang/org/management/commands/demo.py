"""``yiwang demo load`` loads the demo district; ``yiwang demo totp USERNAME`` prints a demo staff code."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from yiwang.demo.loader import demo_totp_code, load_demo, load_demo_catalogue, load_demo_routing
from yiwang.registries.population import DEMO_POPULATION, load_demo_registries


class Command(BaseCommand):
    help = "The demo district: `load` it (idempotent), or print a demo staff account's `totp` code."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        load = subcommands.add_parser(
            "load", help="Create or update the demo divisions, departments and people."
        )
        load.add_argument(
            "--population", type=int, default=DEMO_POPULATION, help="people in the population registry"
        )
        totp = subcommands.add_parser(
            "totp", help="Print the current authenticator code of a demo staff account."
        )
        totp.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEMO_MODE:
            raise CommandError(
                "The demo (its accounts share a published password) exists only in demo mode: set YIWANG_DEMO=true "
                "on a machine that serves no real people (`make run` does)."
            )
        if options["subcommand"] == "load":
            self._load()
            self.stdout.write(load_demo_registries(options["population"]))
        else:
            self._print_totp(options["username"])

    def _load(self) -> None:
        started = time.monotonic()
        report = load_demo()
        for label in sorted(set(report.created) | set(report.updated)):
            self.stdout.write(f"{label}: {report.created[label]} created, {report.updated[label]} updated")
        if not report.changed_anything:
            self.stdout.write("The demo district is already up to date.")
        catalogue = load_demo_catalogue()
        items = ", ".join(f"{outcome} {count}" for outcome, count in sorted(catalogue.items.items()))
        guides = ", ".join(f"{outcome} {count}" for outcome, count in sorted(catalogue.guides.items()))
        indexed = ", ".join(f"{kind} {count}" for kind, count in sorted(catalogue.indexed.items()))
        self.stdout.write(f"service items: {items}; guides and bundles: {guides}; search index: {indexed}")
        for problem in catalogue.problems:
            self.stderr.write(problem)
        if catalogue.problems:
            raise CommandError(f"{len(catalogue.problems)} problems in the demo catalogue")
        self.stdout.write(load_demo_routing())
        elapsed = time.monotonic() - started
        self.stdout.write(
            self.style.SUCCESS(f"Demo district loaded in {elapsed:.1f} s. See docs/demo-logins.md.")
        )

    def _print_totp(self, username: str) -> None:
        code = demo_totp_code(username)
        if code is None:
            raise CommandError(
                f"{username} is not a demo staff account; codes are only shown for demo accounts."
            )
        self.stdout.write(code)
