"""Create, update or drop a GIS specialist's database login for QGIS, in landreg_gis_editor or landreg_reader."""

import re
import secrets
from types import SimpleNamespace

import psycopg2.extensions
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from psycopg2 import sql

from landreg.models import GisLoginProvince
from parcels.models import AdminArea

GROUPS = {"editor": "landreg_gis_editor", "reader": "landreg_reader"}
# Lower-case, so that nobody has to quote the name in a connection string or in psql.
LOGIN_NAME = re.compile(r"^[a-z][a-z0-9_.]{2,62}$")


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("username", help="The login's name, e.g. gis.ahmadzai (lower case, letters first).")
        parser.add_argument("--role", choices=sorted(GROUPS), help="editor: edits the layout; reader: reads it.")
        parser.add_argument(
            "--province",
            action="append",
            default=[],
            metavar="PCODE",
            help="A province (p-code, e.g. AF06) whose townships an editor sees and edits; repeat for several.",
        )
        parser.add_argument("--national", action="store_true", help="An editor who works in every province.")
        parser.add_argument("--password", help="The password to set; without it one is generated and printed once.")
        parser.add_argument("--drop", action="store_true", help="Drop the login and forget its provinces.")

    def handle(self, *args, username, role, province, national, password, drop, **options):
        if not LOGIN_NAME.match(username):
            raise CommandError(
                f"{username!r} is not a usable login name: use 3 to 63 lower-case letters, digits, '_' or '.', "
                "starting with a letter."
            )
        if password is not None and not drop:
            try:  # the same rules as landreg's own passwords (AUTH_PASSWORD_VALIDATORS)
                validate_password(password, SimpleNamespace(username=username))
            except ValidationError as refusal:
                raise CommandError(
                    " ".join(["This password is refused:", *refusal.messages, "Or leave out --password to get one."])
                ) from None
        with transaction.atomic(), connection.cursor() as cursor:
            existing = login_kind(cursor, username)
            if existing == "other":
                raise CommandError(f"The database role {username} exists and is not a GIS login; choose another name.")
            if drop:
                self.drop(cursor, username, existing)
                return
            if role is None:
                raise CommandError("Say which role the login gets: --role editor or --role reader.")
            provinces = self.provinces(role, province, national)
            new_password = password or secrets.token_urlsafe(18)
            # Hashed here with SCRAM, so the clear password never reaches the server or its logs.
            verifier = psycopg2.extensions.encrypt_password(new_password, username, cursor.connection, "scram-sha-256")
            verb = "CREATE" if existing is None else "ALTER"
            run(cursor, verb + " ROLE {} LOGIN INHERIT PASSWORD %s", username, params=[verifier])
            if existing is not None:  # a changed role: leave the other group
                for other in set(GROUPS.values()) - {GROUPS[role]}:
                    run(cursor, "REVOKE {} FROM {}", other, username)
            run(cursor, "GRANT {} TO {}", GROUPS[role], username)
            GisLoginProvince.objects.filter(role_name=username).delete()
            GisLoginProvince.objects.bulk_create(GisLoginProvince(role_name=username, province=p) for p in provinces)
        where = (
            ""
            if role == "reader"
            else " in every province"
            if national
            else " in " + ", ".join(p.pcode for p in provinces)
        )
        self.stdout.write(f"{'Created' if existing is None else 'Updated'} login {username} ({GROUPS[role]}){where}.")
        if not password:
            self.stdout.write(f"Password (shown this once, give it to {username} privately): {new_password}")

    def provinces(self, role, pcodes, national):
        if role == "reader":
            if pcodes or national:
                raise CommandError("A reader sees every published layer; --province and --national are for editors.")
            return []
        if national and pcodes:
            raise CommandError("Give either --national or --province, not both.")
        if national:
            return [None]
        if not pcodes:
            raise CommandError("Say where the editor works: --province AF06 (repeat for several), or --national.")
        found = {a.pcode: a for a in AdminArea.objects.filter(level=AdminArea.Level.PROVINCE, pcode__in=pcodes)}
        unknown = sorted(set(pcodes) - set(found))
        if unknown:
            raise CommandError(f"No province has the p-code {', '.join(unknown)} (load them with load_provinces).")
        return [found[p] for p in sorted(found)]

    def drop(self, cursor, username, existing):
        GisLoginProvince.objects.filter(role_name=username).delete()
        if existing is None:
            self.stdout.write(f"There is no login {username}; nothing to drop.")
            return
        run(cursor, "DROP ROLE {}", username)
        self.stdout.write(f"Dropped login {username}; its past edits stay in the history under that name.")


def run(cursor, statement, *names, params=()):
    """A role statement with its role names quoted as identifiers."""
    composed = sql.SQL(statement).format(*map(sql.Identifier, names))
    cursor.execute(composed.as_string(cursor.connection), params)


def login_kind(cursor, username):
    """None when no such role exists, 'gis' for a login in one of our group roles, 'other' for any other role."""
    cursor.execute(
        "SELECT r.rolsuper OR r.rolcreaterole OR r.rolcreatedb OR r.rolreplication OR r.rolbypassrls, "
        "       EXISTS (SELECT FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid "
        "                WHERE m.member = r.oid AND g.rolname = ANY(%s)) "
        "  FROM pg_roles r WHERE r.rolname = %s",
        [list(GROUPS.values()), username],
    )
    row = cursor.fetchone()
    if row is None:
        return None
    powerful, in_group = row
    return "gis" if in_group and not powerful else "other"
