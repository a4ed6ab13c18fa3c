"""``yiwang search reindex [--kind KIND]``: rebuild the search index now (重建索引) and print the counts."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yiwang.search.backends import configured_backend_name
from yiwang.search.documents import registered_sources
from yiwang.search.tasks import reindex_all


class Command(BaseCommand):
    help = "Search index tools. `reindex` rebuilds the index from every registered source (or one kind)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        reindex = subcommands.add_parser("reindex", help="rebuild the index synchronously")
        reindex.add_argument(
            "--kind", action="append", help="only this kind (repeatable), e.g. item or bundle"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        kinds = options.get("kind")
        known = sorted(registered_sources())
        unknown = sorted(set(kinds or ()) - set(known))
        if unknown:
            raise CommandError(
                f"unknown kind(s): {', '.join(unknown)}; registered: {', '.join(known) or 'none'}"
            )
        counts = reindex_all(kinds)
        for kind, count in counts.items():
            self.stdout.write(f"{kind}: {count} documents indexed")
        self.stdout.write(
            f"search index rebuilt ({configured_backend_name()}): {sum(counts.values())} documents"
        )
