"""The systemd units of deploy/systemd/ pass `systemd-analyze verify` (every key known, every calendar parsed, every
command present), with the checkout's path in place of /srv/landreg; and each does what docs/deploy.md says."""

import configparser
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
UNITS = ROOT / "deploy" / "systemd"
SYSTEMD_ANALYZE = shutil.which("systemd-analyze")


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None, delimiters=("=",))
    parser.optionxform = str
    parser.read_string(re.sub(r"\\\n\s*", " ", (UNITS / name).read_text()))
    return parser


@pytest.mark.skipif(SYSTEMD_ANALYZE is None, reason="systemd-analyze is not installed")
def test_every_unit_passes_systemd_analyze_verify(tmp_path):
    for path in UNITS.iterdir():
        (tmp_path / path.name).write_text(path.read_text().replace("/srv/landreg", str(ROOT)))
    # A template is verified through an instance of it.
    names = sorted(p.name.replace("@.", "@landreg.service.") for p in tmp_path.iterdir())

    result = subprocess.run(
        [SYSTEMD_ANALYZE, "verify", *names], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stderr == "", result.stderr  # an unknown key or a bad calendar is only a warning


def test_every_job_has_a_timer_and_every_unit_raises_the_alert_when_it_fails():
    services = {p.stem for p in UNITS.glob("landreg-*.service") if "@" not in p.name}
    timers = {p.stem for p in UNITS.glob("landreg-*.timer")}

    assert (
        services
        == timers
        == {
            "landreg-clean-imports",
            "landreg-clearsessions",
            "landreg-backup-full",
            "landreg-backup-diff",
            "landreg-restore-drill",
            "landreg-grievance-reminders",
            "landreg-movement-figures",
            "landreg-plot-sites",
        }
    )
    for name in [*services, "landreg"]:
        assert unit(f"{name}.service")["Unit"]["OnFailure"] == "landreg-alert@%n.service", name


def test_gunicorn_runs_the_wsgi_application_as_its_own_user_hardened_on_the_socket_nginx_reaches():
    service, socket = unit("landreg.service")["Service"], unit("landreg.socket")["Socket"]

    assert service["User"] == "landreg"
    command = service["ExecStart"].split()
    assert "config.wsgi" in command and "--no-control-socket" in command
    assert command[command.index("--bind") + 1] == f"unix:{socket['ListenStream']}"
    assert socket["SocketUser"] == "www-data" and socket["SocketMode"] == "0600"
    for option, value in {
        "NoNewPrivileges": "yes",
        "PrivateTmp": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "ReadWritePaths": "/var/lib/landreg",
        "CapabilityBoundingSet": "",
    }.items():
        assert service[option] == value, option


def test_the_grievance_reminders_run_hourly_as_landreg_and_call_the_command():
    service, timer = unit("landreg-grievance-reminders.service"), unit("landreg-grievance-reminders.timer")

    assert service["Service"]["User"] == "landreg" and service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"].split()[-2:] == ["manage.py", "grievance_reminders"]
    assert service["Service"]["EnvironmentFile"] == "/etc/landreg/env"  # GRIEVANCE_KEYS, EMAIL_* come from there
    assert timer["Timer"]["OnCalendar"] == "hourly" and timer["Timer"]["Persistent"] == "true"
    assert (ROOT / "grievances" / "management" / "commands" / "grievance_reminders.py").exists()


@pytest.mark.parametrize(
    "name, command",
    [("landreg-movement-figures", "refresh_movement_figures"), ("landreg-plot-sites", "recompute_plot_sites")],
)
def test_the_figures_are_brought_up_to_date_every_quarter_hour_by_their_command(name, command):
    service, timer = unit(f"{name}.service"), unit(f"{name}.timer")

    assert service["Service"]["User"] == "landreg" and service["Service"]["Type"] == "oneshot"
    assert service["Service"]["ExecStart"].split()[-2:] == ["manage.py", command]
    assert timer["Timer"]["OnCalendar"] == "*:0/15" and timer["Timer"]["Persistent"] == "true"
    assert list(ROOT.glob(f"*/management/commands/{command}.py"))
