"""Background jobs on a REAL Huey storage (the one settings.QUEUE names), and ``yiwang serve``.

The suite otherwise runs Huey in immediate mode; here each test builds its own Huey on a private queue
(a temporary SQLite file, or a uniquely named Redis/PostgreSQL queue) and routes the django-tasks backend to it.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from huey.api import Huey
from huey.contrib.djhuey import HUEY as CONSUMER_HUEY
from huey.contrib.djhuey import tasks_backend
from huey.utils import load_class
from pytest_django.fixtures import Settings

from tests.factories import NotificationTemplateFactory
from tests.notify.fakes import RecordingSmsGateway
from yiwang.notify.actions import do_send_notification
from yiwang.notify.models import Channel, DeliveryStatus, Notification
from yiwang.notify.tasks import requeue_undelivered_notifications, sweep_undelivered_notifications

HueyFactory = Callable[[], Huey]


@pytest.fixture
def new_worker(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[HueyFactory]:
    """Builds Huey instances on one private queue of the configured kind; the django-tasks backend enqueues
    into the first one (the web process), each further call is another process on the same storage."""
    name = f"yiwang-test-{uuid.uuid4().hex}"
    config = {
        key: value for key, value in settings.HUEY.items() if key not in ("name", "consumer", "immediate")
    }
    huey_class = load_class(config.pop("huey_class"))
    connection = config.pop("connection", {})
    if "filename" in config:
        config["filename"] = str(tmp_path / "queue.sqlite3")

    def build() -> Huey:
        huey = huey_class(name, immediate=False, **config, **connection)
        huey._registry.register(
            tasks_backend._shim.task_class
        )  # the django-tasks runner, as the consumer has it
        return huey

    web = build()
    monkeypatch.setattr(tasks_backend, "HUEY", web)
    yield build
    web.flush()


@pytest.fixture
def sms(settings: Settings) -> Iterator[type[RecordingSmsGateway]]:
    settings.SMS_GATEWAY = "tests.notify.fakes.RecordingSmsGateway"
    RecordingSmsGateway.reset()
    yield RecordingSmsGateway
    RecordingSmsGateway.reset()


def _send_login_code() -> Notification:
    # Transactional tests start from an emptied database (another one may have flushed the seeded templates).
    NotificationTemplateFactory(
        key="job-login-code", channel=Channel.SMS, body="验证码((code))，((minutes))分钟内有效"
    )
    return do_send_notification(
        "job-login-code",
        Channel.SMS,
        to_address="13800138000",
        personalisation={"code": "975310", "minutes": 5},
    )


def _run_everything_queued(worker: Huey) -> int:
    executed = 0
    while (task := worker.dequeue()) is not None:
        worker.execute(task)
        executed += 1
    return executed


@pytest.mark.django_db(transaction=True)
def test_a_task_enqueued_in_a_rolled_back_transaction_is_never_enqueued(
    new_worker: HueyFactory, sms: type[RecordingSmsGateway]
) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        _send_login_code()
        raise RuntimeError("the caller's action failed")
    assert tasks_backend.HUEY.pending_count() == 0
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_task_is_enqueued_when_its_transaction_commits(
    new_worker: HueyFactory, sms: type[RecordingSmsGateway]
) -> None:
    with transaction.atomic():
        notification = _send_login_code()
        assert tasks_backend.HUEY.pending_count() == 0  # not before the commit
    assert tasks_backend.HUEY.pending_count() == 1
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.CREATED  # queued, not run inline
    assert sms.sent == []


@pytest.mark.django_db(transaction=True)
def test_a_stopped_worker_loses_no_task(new_worker: HueyFactory, sms: type[RecordingSmsGateway]) -> None:
    with transaction.atomic():
        notification = _send_login_code()
    # No worker was running when the message was queued; a freshly (re)started one finds it in the storage.
    restarted_worker = new_worker()
    assert restarted_worker.pending_count() == 1
    assert _run_everything_queued(restarted_worker) == 1
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED
    assert [sent.text for sent in sms.sent] == ["验证码975310，5分钟内有效"]


@pytest.mark.django_db(transaction=True)
def test_the_sweeper_requeues_a_message_whose_task_was_lost(
    new_worker: HueyFactory, sms: type[RecordingSmsGateway]
) -> None:
    with transaction.atomic():
        notification = _send_login_code()
    tasks_backend.HUEY.flush()  # the queued task is lost (e.g. the queue storage was wiped)
    Notification.objects.filter(pk=notification.pk).update(
        status_changed_at=timezone.now() - timedelta(seconds=settings.NOTIFY_STALE_AFTER_SECONDS + 1)
    )
    assert requeue_undelivered_notifications() == 1
    worker = new_worker()
    assert _run_everything_queued(worker) == 1
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED


@pytest.mark.django_db(transaction=True)
def test_a_duplicate_task_does_not_send_twice(
    new_worker: HueyFactory, sms: type[RecordingSmsGateway]
) -> None:
    with transaction.atomic():
        notification = _send_login_code()
    from yiwang.notify.tasks import deliver_notification

    deliver_notification.enqueue(notification.pk)  # e.g. the sweeper and the original task both queued
    assert _run_everything_queued(new_worker()) == 2
    assert len(sms.sent) == 1


def test_the_consumer_runs_the_sweeper_every_minute() -> None:
    periodic = CONSUMER_HUEY._registry._periodic_tasks
    assert sweep_undelivered_notifications.task_class in periodic
    sweep = sweep_undelivered_notifications.s()
    start = datetime(2026, 1, 1, 9, 0)  # noqa: DTZ001 - Huey's scheduler checks naive local times
    assert all(sweep.validate_datetime(start + timedelta(minutes=minute)) for minute in range(60))


# --- yiwang serve ------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _children_of(pid: int) -> dict[int, str]:
    """Child processes of ``pid`` and their command lines (Linux /proc)."""
    children = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        if parent == pid:
            children[int(entry.name)] = cmdline
    return children


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - a local test URL
            return True
    except urllib.error.HTTPError:
        return True  # any HTTP answer means the server is up
    except OSError:
        return False


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[subprocess.Popen[str], str]]:
    port = _free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "yiwang.settings",
        "YIWANG_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'yiwang.sqlite3'}",
        "QUEUE": "sqlite",
        "PORT": str(port),
        "WEB_WORKERS": "1",
        "DEBUG": "false",
        "YIWANG_DEMO": "true",  # the default (demo) SMS gateway is refused outside demo mode (yiwang.E001)
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "yiwang.cli", "serve"],
        env=environment,
        stdout=subprocess.PIPE,
        text=True,
    )
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while not _answers(url + "healthz"):
        assert process.poll() is None, "yiwang serve exited while starting"
        assert time.monotonic() < deadline, "gunicorn did not answer within 30 s"
        time.sleep(0.2)
    yield process, url
    if process.poll() is None:
        process.kill()
        process.wait()


def _wait_for_children(pid: int) -> dict[int, str]:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        children = _children_of(pid)
        if any("run_huey" in command for command in children.values()):
            return children
        time.sleep(0.1)
    raise AssertionError("the job consumer did not start")


def test_serve_prints_its_url_and_stops_both_processes_on_sigterm(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = served
    children = _wait_for_children(process.pid)
    assert any("gunicorn" in command for command in children.values())
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0
    assert process.stdout is not None
    assert url in process.stdout.read()
    assert not _answers(url + "healthz")
    assert all(not Path(f"/proc/{pid}").exists() for pid in children)


def test_serve_stops_the_web_server_when_the_job_consumer_dies(
    served: tuple[subprocess.Popen[str], str],
) -> None:
    process, url = served
    children = _wait_for_children(process.pid)
    [consumer] = [pid for pid, command in children.items() if "run_huey" in command]
    os.kill(consumer, signal.SIGKILL)
    assert process.wait(timeout=30) != 0
    assert not _answers(url + "healthz")
