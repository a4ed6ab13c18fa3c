"""``yiwang workflow validate|load|activate``: manage process definitions (流程定义) from JSON files."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from yiwang.workflow.actions import do_activate_definition, do_load_definition, read_definition_file
from yiwang.workflow.definition import validate_definition


class Command(BaseCommand):
    help = "Process definitions: `validate FILE`, `load FILE [--activate]`, `activate KEY VERSION`."

    def add_arguments(self, parser: ArgumentParser) -> None:
        subcommands = parser.add_subparsers(dest="subcommand", required=True)
        validate = subcommands.add_parser("validate", help="check a definition file without storing it")
        validate.add_argument("file")
        load = subcommands.add_parser("load", help="store a valid definition as the next draft version")
        load.add_argument("file")
        load.add_argument("--activate", action="store_true", help="activate the new version at once")
        activate = subcommands.add_parser("activate", help="make a stored version the active one")
        activate.add_argument("key")
        activate.add_argument("version", type=int)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["subcommand"] == "validate":
                definition = validate_definition(read_definition_file(options["file"]))
                self.stdout.write(
                    f"{options['file']}: OK ({definition.key}, {len(definition.spec['nodes'])} nodes)"
                )
            elif options["subcommand"] == "load":
                stored = do_load_definition(None, read_definition_file(options["file"]))
                if options["activate"]:
                    stored = do_activate_definition(None, stored.key, stored.version)
                self.stdout.write(
                    f"loaded {stored.key} version {stored.version} ({stored.get_status_display()})"
                )
            else:
                stored = do_activate_definition(None, options["key"], options["version"])
                self.stdout.write(f"activated {stored.key} version {stored.version}")
        except ValidationError as error:
            raise CommandError("\n".join(error.messages)) from None
