"""Opening a PostgreSQL store says at once *why* it cannot (IF8's store, CO1's secret).

A refused login, a missing database or a server that is down is reported as
``storage.unavailable`` with libpq's reason — not, after the pool's whole timeout, as "no
connection" — and the reason never holds the password.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import quote

import pytest

from amparex_adapters.storage.postgres import PostgresStorage
from amparex_core.domain.errors import StorageUnavailable
from tests.peers import free_port

pytestmark = pytest.mark.integration

USER = "amparex_login"
PASSWORD = "Pg-0pen/Pa ss"  # a test login


@pytest.fixture(scope="module")
def login(pg_cluster: Any) -> str:
    """A login with a SCRAM password on the session's cluster; returns its host:port."""
    pg_cluster.add_login(USER, PASSWORD)
    return f"127.0.0.1:{pg_cluster.port}"


def _url(login: str, password: str, database: str = "amparex") -> str:
    return (
        f"postgresql://{USER}:{quote(password, safe='')}@{login}/{database}"
        f"?options=-csearch_path%3D{USER}"
    )


def test_CO1_the_right_password_opens_the_store(login: str) -> None:
    store = PostgresStorage(_url(login, PASSWORD), timeout=30, schema="upgrade")
    try:
        assert store.search_interfaces() == []
    finally:
        store.close()


def test_CO1_a_wrong_password_is_reported_with_libpqs_reason_without_it(login: str) -> None:
    wrong = "Wr0ng/Pa ss-" + PASSWORD
    with pytest.raises(StorageUnavailable) as caught:
        PostgresStorage(_url(login, wrong), timeout=30)
    text = caught.value.message("en") + caught.value.message("de") + repr(caught.value)
    assert "password authentication failed" in text
    assert wrong not in text and quote(wrong, safe="") not in text
    assert caught.value.__cause__ is None


def test_IF8_a_missing_database_is_reported_as_such(login: str) -> None:
    with pytest.raises(StorageUnavailable) as caught:
        PostgresStorage(_url(login, PASSWORD, database="no_such_db"), timeout=30)
    assert "no_such_db" in caught.value.message("en")
    assert "does not exist" in caught.value.message("en")


def test_IF8_a_server_that_is_down_is_reported_as_refused() -> None:
    with pytest.raises(StorageUnavailable) as caught:
        PostgresStorage(f"postgresql://nobody@127.0.0.1:{free_port()}/amparex", timeout=30)
    assert "refused" in caught.value.message("en").lower()


def test_CO1_a_malformed_connection_string_never_quotes_its_password() -> None:
    with pytest.raises(StorageUnavailable) as caught:
        PostgresStorage("host=127.0.0.1 password=se cret-Value", timeout=30)
    text = caught.value.message("en") + repr(caught.value)
    assert "cret-Value" not in text and "se cret" not in text
    assert "malformed" in text


def test_IF8_a_store_works_in_a_process_with_many_open_files(pg_url: str) -> None:
    """The pool's check of an idle connection works for any fd number (``select.select``
    refuses fds from 1024): a host application may hold many files open."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 1200
    if soft < wanted + 64:
        if hard != resource.RLIM_INFINITY and hard < wanted + 64:
            pytest.skip(f"the hard limit of open files ({hard}) is below {wanted + 64}")
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted + 64, hard))
    held: list[int] = []
    try:
        while not held or held[-1] < wanted:
            held.append(os.dup(0 if not held else held[0]))
        store = PostgresStorage(pg_url)
        try:
            for _ in range(3):  # the second and third take the idle connection
                assert store.search_interfaces() == []
        finally:
            store.close()
    finally:
        for fd in held:
            os.close(fd)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
