"""``yiwang catalog import|load-guides|check``: the service catalogue (事项目录) from the command line."""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from yiwang.catalog import importer, queries
from yiwang.catalog.checks import check_guide_data


class Command(BaseCommand):
    help = "Service catalogue tools: import a catalogue export, load guide and bundle files, check guides."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        import_parser = subcommands.add_parser(
            "import", help="import service items from a CSV or JSON export"
        )
        import_parser.add_argument("file", type=Path)
        import_parser.add_argument(
            "--format", choices=["csv", "json"], help="default: from the file extension"
        )
        import_parser.add_argument("--area-code", help="12-digit division code to use for every row")
        load_parser = subcommands.add_parser(
            "load-guides",
            help="publish guide files and save bundle files (default: the app's guides/ and bundles/)",
        )
        load_parser.add_argument("paths", nargs="*", type=Path)
        check_parser = subcommands.add_parser(
            "check",
            help="check published guides, one item's latest guide, or guide files; exit 1 on problems",
        )
        check_parser.add_argument("paths", nargs="*", type=Path, help="guide files or directories to check")
        check_parser.add_argument(
            "--item", help="implementation code: check its latest version (draft included)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["subcommand"] == "import":
            self._import(options["file"], options["format"], options["area_code"])
        elif options["subcommand"] == "load-guides":
            self._load(options["paths"] or [importer.GUIDES_DIR, importer.BUNDLES_DIR])
        else:
            self._check(options["paths"], options["item"])

    def _import(self, path: Path, file_format: str | None, area_code: str | None) -> None:
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        file_format = file_format or ("json" if path.suffix.lower() == ".json" else "csv")
        try:
            report = importer.import_items(path, file_format, area_code)
        except (ValueError, UnicodeDecodeError) as error:
            raise CommandError(f"cannot read {path}: {error}") from error
        for number, reason in report.errors:
            self.stderr.write(f"row {number}\t{reason}")
        counts = report.counts
        self.stdout.write(
            f"created {counts['created']}, updated {counts['updated']}, unchanged {counts['unchanged']}, "
            f"failed {len(report.errors)}"
        )
        if report.errors:
            raise CommandError(f"{len(report.errors)} rows were not imported")

    def _load(self, paths: list[Path]) -> None:
        report = importer.load_files([path for path in paths if path.exists()])
        for problem in report.problems:
            self.stderr.write(problem)
        self.stdout.write(
            ", ".join(f"{outcome} {count}" for outcome, count in sorted(report.counts.items()))
            or "nothing to load"
        )
        if report.problems:
            raise CommandError(f"{len(report.problems)} problems; the files concerned were not loaded")

    def _check(self, paths: list[Path], item_code: str | None) -> None:
        if paths:
            guides = [importer.read_json(path) for path in importer.json_files(paths)]
            guides = [data for data in guides if not importer.is_bundle(data)]
            problems = [
                problem
                for data in guides
                for problem in check_guide_data(
                    data, queries.item_or_none(str(data.get("implementation_code", "")))
                )
            ]
            checked = len(guides)
        else:
            checked, problems = queries.guide_problems(item_code)
        for problem in problems:
            self.stdout.write(str(problem))
        if problems:
            raise CommandError(f"{len(problems)} problems in {checked} guides")
        self.stdout.write(f"{checked} guides checked, no problems")
