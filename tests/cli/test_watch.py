"""The polling loop behind ``amparex outbox watch``, on the in-memory chain."""

from __future__ import annotations

import threading
import time

from amparex_adapters.cli.app import detect_lang, watch_outbox
from amparex_core.services import UploadResult
from tests.world import LL_DIR, World


def test_LL8_watch_outbox_uploads_each_new_file_once_until_stopped() -> None:
    world = World()
    world.loyalty()
    world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    stop = threading.Event()
    seen: list[UploadResult] = []
    counted: list[int] = []

    def run() -> None:
        counted.append(
            watch_outbox(
                world.loyalty_lab,
                branch=None,
                workstation="KASSE-1",
                interval=0.02,
                stop=stop,
                on_result=seen.append,
            )
        )

    worker = threading.Thread(target=run)
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while len(world.files.uploads) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        world.exports.write_new(LL_DIR, "late.csv", [b"late\r\n"])
        while "late.csv" not in world.files.files and time.monotonic() < deadline:
            time.sleep(0.01)
        time.sleep(0.1)  # a few more rounds: nothing is sent twice
    finally:
        stop.set()
        worker.join(timeout=10)
    assert not worker.is_alive()
    assert counted == [5]
    assert sorted(world.files.uploads) == sorted(set(world.files.uploads))
    assert "late.csv" in world.files.uploads
    assert [r.name for r in seen].count("late.csv") == 1


def test_LL8_watch_outbox_retries_a_failed_upload_in_the_next_round() -> None:
    world = World()
    world.loyalty()
    world.loyalty_lab.export(branch=None, workstation="KASSE-1")
    world.files.fail_next(1)
    stop = threading.Event()
    outcomes: list[str] = []

    def on_result(result: UploadResult) -> None:
        outcomes.append(result.outcome.value)
        if outcomes.count("uploaded") == 4:
            stop.set()

    count = watch_outbox(
        world.loyalty_lab,
        branch=None,
        workstation="KASSE-1",
        interval=0.01,
        stop=stop,
        on_result=on_result,
    )
    assert count == 4
    assert outcomes.count("failed") == 1


def test_language_from_option_then_locale() -> None:
    assert detect_lang("de", {}) == "de"
    assert detect_lang(None, {"LANG": "de_DE.UTF-8"}) == "de"
    assert detect_lang(None, {"LC_ALL": "C", "LANG": "de_DE.UTF-8"}) == "en"
    assert detect_lang(None, {"LC_MESSAGES": "de_CH", "LANG": "en_GB"}) == "de"
    assert detect_lang(None, {}) == "en"
