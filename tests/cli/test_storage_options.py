"""``[storage]`` options: the pool, the timeouts, ``application_name``, ``prepare_threshold``."""

from __future__ import annotations

from typing import Any

import pytest

from amparex_adapters.cli.config import structure_config
from amparex_adapters.cli.errors import ConfigInvalid

from .chain import Chain, error_line, replace_section


def test_storage_options_reach_the_store_by_their_names() -> None:
    config = structure_config(
        {
            "storage": {
                "url": "postgresql://amparex@db/amparex",
                "timeout": 5,
                "pool_min_size": 0,
                "pool_max_size": 2,
                "connect_timeout": 3.5,
                "application_name": "amparex KASSE-1",
                "prepare_threshold": 5,
            }
        }
    )
    assert config.storage.options() == {
        "timeout": 5.0,
        "min_size": 0,
        "max_size": 2,
        "connect_timeout": 3.5,
        "application_name": "amparex KASSE-1",
        "prepare_threshold": 5,
    }
    assert structure_config({}).storage.options() == {}  # unset: the store's defaults


@pytest.mark.parametrize(
    ("options", "key"),
    [
        ({"timeout": 0}, "storage.timeout"),
        ({"connect_timeout": -1.0}, "storage.connect_timeout"),
        ({"pool_min_size": -1}, "storage.pool_min_size"),
        ({"pool_max_size": 0}, "storage.pool_max_size"),
        ({"pool_min_size": 3, "pool_max_size": 2}, "storage.pool_max_size"),
        ({"pool_min_size": 9}, "storage.pool_min_size"),
        ({"prepare_threshold": -1}, "storage.prepare_threshold"),
        ({"application_name": " "}, "storage.application_name"),
        ({"application_name": "x" * 64}, "storage.application_name"),
        ({"prepare_threshold": "never"}, "storage.prepare_threshold"),
    ],
)
def test_a_bad_storage_option_is_refused_naming_its_key(options: dict[str, Any], key: str) -> None:
    with pytest.raises(ConfigInvalid) as caught:
        structure_config({"storage": {"url": "postgresql://amparex@db/amparex", **options}})
    assert caught.value.key == key


def test_a_postgres_option_on_sqlite_is_one_line_naming_the_section(chain: Chain) -> None:
    replace_section(chain, "storage", 'path = "amparex.sqlite"\npool_max_size = 2')
    refused = chain.run("orders", "list")
    assert refused.exit_code == 1
    line = error_line(refused.stderr)
    assert line.startswith("amparex: error [config.invalid]: ")
    assert "storage.pool_max_size: a PostgreSQL option; this store is sqlite" in line


def test_the_application_name_of_the_configuration_reaches_the_server(
    pg_chain: Chain, pg_cluster: Any
) -> None:
    from amparex_adapters.cli.compose import Composition
    from amparex_adapters.cli.config import Secrets, load_config

    url = pg_chain.config.read_text(encoding="utf-8").split('url = "')[1].split('"')[0]
    replace_section(pg_chain, "storage", f'url = "{url}"\napplication_name = "amparex cfg-test"')
    config = load_config(pg_chain.config)
    app = Composition(config, Secrets(config))
    try:
        assert app.storage.list_templates() == []
        with pg_cluster.connect() as conn:
            found = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s",
                ("amparex cfg-test",),
            ).fetchone()
        assert found is not None and found[0] >= 1
    finally:
        app.close()
