"""``yiwang registries verify-log`` checks the access log chain; ``create-client`` issues an exchange API token;
``load-population N`` fills the demo registries; ``sync-legal-bases`` makes the published guides' legal bases
entries of the data services' legal-basis lists."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yiwang.org.models import Department
from yiwang.registries.actions import do_create_exchange_client, do_sync_guide_legal_bases
from yiwang.registries.exchange import verify_access_log
from yiwang.registries.population import DEMO_POPULATION, load_demo_registries
from yiwang.registries.queries import published_guides


class Command(BaseCommand):
    help = (
        "Base registries and the data exchange: verify the access log, create API clients, load demo people."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        subcommands.add_parser(
            "verify-log", help="Walk the access log chain; exit 1 at the first broken entry."
        )
        client = subcommands.add_parser(
            "create-client", help="Create an exchange API token for a department."
        )
        client.add_argument("department", help="department code")
        client.add_argument("name", help="the calling system's name")
        population = subcommands.add_parser("load-population", help="Fill the registries with demo people.")
        population.add_argument("count", type=int, nargs="?", default=DEMO_POPULATION)
        subcommands.add_parser(
            "sync-legal-bases",
            help="Add the published guides' legal bases to the legal-basis lists of their data services.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "verify-log":
            report = verify_access_log()
            if not report.ok:
                assert report.problem is not None  # noqa: S101 - not ok means a problem
                raise CommandError(
                    f"access log broken at entry #{report.problem.seq}: {report.problem.reason} "
                    f"({report.checked} entries verified before it)"
                )
            self.stdout.write(self.style.SUCCESS(f"access log intact: {report.checked} entries verified"))
        elif options["subcommand"] == "create-client":
            department = Department.objects.filter(code=options["department"]).first()
            if department is None:
                raise CommandError(f"no department with code {options['department']}")
            client, token = do_create_exchange_client(None, department, options["name"])
            self.stdout.write(f"client {client.pk} for {department.name}; send this header (shown once):")
            self.stdout.write(f"X-Exchange-Token: {token}")
        elif options["subcommand"] == "sync-legal-bases":
            changed = do_sync_guide_legal_bases(published_guides())
            self.stdout.write(f"{changed} legal-basis entries added or extended to a department")
        else:
            try:
                self.stdout.write(load_demo_registries(options["count"]))
            except ValueError as error:
                raise CommandError(str(error)) from error
