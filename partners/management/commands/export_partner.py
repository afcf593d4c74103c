"""Write a partner dataset (HXL-tagged CSV) for one province, as the partner would receive it under their
data-sharing agreement: the same check, the same rows and the same access-log entry as the API."""

import os
import tempfile
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from landreg.sharing import partner_export_agreement
from partners import exports

PROGRESS_EVERY = 10_000  # rows between progress lines


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("dataset", choices=exports.TABLES)
        parser.add_argument("--user", required=True, help="The partner account the export is for (user name).")
        parser.add_argument("--province", required=True, help="The province's p-code, e.g. AF06.")
        parser.add_argument("--out", type=Path, required=True, help="The CSV file to write (replaced if it exists).")

    def handle(self, *args, dataset, user, province, out, **options):
        account = get_user_model().objects.filter(username=user, is_active=True).first()
        if account is None:
            raise CommandError(f"There is no active user {user!r}.")
        if not out.parent.is_dir():
            raise CommandError(f"The folder {out.parent} does not exist.")
        try:
            area = exports.province_by_pcode(province)
            agreement = partner_export_agreement(account, dataset, area)
            data = exports.partner_dataset(user=account, dataset=dataset, province=area, agreement=agreement)
        except (ValidationError, PermissionDenied) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            raise CommandError(" ".join(messages)) from exc
        under = f"agreement {agreement.reference}" if agreement else "no agreement (administrator)"
        self.stdout.write(f"{dataset} for {area.pcode}, {data.count} row(s), for {user} under {under}")
        # Written beside the target and moved into place, so no half-written file is ever there.
        handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=".export-partner-", suffix=".csv")
        written = 0
        try:
            with os.fdopen(handle, "w", encoding="utf-8", newline="") as file:
                for i, line in enumerate(exports.csv_lines(data)):
                    file.write(line)
                    written = max(i - 1, 0)  # the names and the hashtags are not rows
                    if written and written % PROGRESS_EVERY == 0:
                        self.stdout.write(f"  {written} of {data.count} rows")
            os.replace(temporary, out)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        exports.partner_export_log(user=account, data=data, agreement=agreement, where="manage.py export_partner")
        self.stdout.write(self.style.SUCCESS(f"wrote {out}: {written} row(s)"))
