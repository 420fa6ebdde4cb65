"""Interface configuration rules (IF1–IF9, LL1–LL4) on the domain and the service."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import attrs
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from amparex_core.domain import errors
from amparex_core.domain.interfaces import (
    DEFAULT_FILE_PATTERN,
    CardOrderSettings,
    InterfaceConfig,
    InterfaceKind,
    LoyaltyLabSettings,
    Placement,
    Scope,
    Specificity,
    plan_exports,
    resolve,
)
from amparex_core.domain.secret import Secret
from amparex_core.domain.statistics import StatisticKind
from amparex_core.domain.text import name_key
from tests import strategies as s
from tests.world import LL_DIR, World

LL = LoyaltyLabSettings(customer_number="4711", directory="/srv/ll")
CO = CardOrderSettings(contract="KV-1", key="k")
DAY = dt.date(2026, 11, 23)


def ll_config(**kwargs: object) -> InterfaceConfig:
    base: dict[str, object] = {
        "id": "x",
        "kind": InterfaceKind.LOYALTY_LAB,
        "settings": LL,
        "workstation": "KASSE-1",
    }
    base.update(kwargs)
    return InterfaceConfig(**base)  # type: ignore[arg-type]


def co_config(**kwargs: object) -> InterfaceConfig:
    base: dict[str, object] = {"id": "y", "kind": InterfaceKind.CARD_ORDER, "settings": CO}
    base.update(kwargs)
    return InterfaceConfig(**base)  # type: ignore[arg-type]


# ---------------------------------------------------------------- IF1


def test_IF1_two_kinds_each_declaring_scope_placement_and_settings() -> None:
    assert {k.value for k in InterfaceKind} == {"card_order", "loyalty_lab"}
    card, ll = InterfaceKind.CARD_ORDER.policy, InterfaceKind.LOYALTY_LAB.policy
    assert (card.scope, card.workstation_only, card.placement, card.settings_type) == (
        Scope.BRANCH,
        False,
        Placement.SERVER_ONLY,
        CardOrderSettings,
    )
    assert (ll.scope, ll.workstation_only, ll.placement, ll.settings_type) == (
        Scope.WORKSTATION,
        True,
        Placement.CLIENT_ONLY,
        LoyaltyLabSettings,
    )


@pytest.mark.parametrize(
    ("kind", "settings"),
    [(InterfaceKind.CARD_ORDER, LL), (InterfaceKind.LOYALTY_LAB, CO)],
)
def test_IF1_settings_of_another_kind_are_refused(
    kind: InterfaceKind, settings: CardOrderSettings | LoyaltyLabSettings
) -> None:
    with pytest.raises(errors.InterfaceSettingsMismatch) as info:
        InterfaceConfig(id="1", kind=kind, settings=settings, workstation="W", client_side=True)
    assert info.value.code == "interface.settings_mismatch"
    assert info.value.kind == kind.value


def test_IF1_rules_read_only_the_policy_so_a_third_kind_needs_no_rule_change() -> None:
    """The rule code never names a kind: it reads KindPolicy. Proven by the source."""
    source = Path(InterfaceConfig.__module__.replace(".", "/") + ".py")
    text = (Path(__file__).parents[2] / "src" / source).read_text()
    body = text[text.index("class InterfaceConfig") : text.index("def resolve(")]
    assert "InterfaceKind.CARD_ORDER" not in body
    assert "InterfaceKind.LOYALTY_LAB" not in body


# ---------------------------------------------------------------- IF2, IF3, IF5


@given(s.interface_configs(), s.branches_ids, s.workstation_names, s.dates)
def test_IF2_IF3_IF5_availability_is_the_conjunction_of_branch_workstation_and_start(
    config: InterfaceConfig, branch: str, workstation: str, on: dt.date
) -> None:
    expected = (
        (config.branch is None or config.branch == branch)
        and (config.workstation is None or name_key(config.workstation) == name_key(workstation))
        and (config.start is None or on >= config.start)
    )
    assert config.is_available(branch=branch, workstation=workstation, on=on) is expected


def test_IF2_no_branch_means_every_branch_a_branch_means_only_that_one() -> None:
    on = dt.date(2026, 1, 1)
    assert co_config().is_available(branch="F01", workstation=None, on=on)
    assert co_config().is_available(branch="F02", workstation=None, on=on)
    assert co_config(branch="F01").is_available(branch="F01", workstation=None, on=on)
    assert not co_config(branch="F01").is_available(branch="F02", workstation=None, on=on)


def test_IF3_workstation_configuration_only_on_that_computer() -> None:
    on = dt.date(2026, 1, 1)
    bound = co_config(workstation="KASSE-1")
    assert bound.is_available(branch="F01", workstation="kasse-1", on=on)
    assert not bound.is_available(branch="F01", workstation="KASSE-2", on=on)
    assert not bound.is_available(branch="F01", workstation=None, on=on)
    assert co_config().is_available(branch="F01", workstation="ANY", on=on)
    assert bound.with_workstation_settings and not co_config().with_workstation_settings


@given(s.dates, st.integers(min_value=-400, max_value=400))
def test_IF5_enabled_from_the_start_date_inclusive(start: dt.date, offset: int) -> None:
    on = start + dt.timedelta(days=offset)
    config = co_config(start=start)
    assert config.is_available(branch=None, workstation=None, on=on) is (offset >= 0)
    assert co_config(start=None).is_available(branch=None, workstation=None, on=on)


def test_IF5_start_must_be_a_date() -> None:
    with pytest.raises(TypeError):
        co_config(start=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


# ---------------------------------------------------------------- IF6, LL1


def test_IF6_LL1_loyalty_lab_is_always_client_side_card_ordering_server_side() -> None:
    assert ll_config().client_side is True
    assert co_config().client_side is False
    with pytest.raises(errors.ClientSideRequired) as info:
        ll_config(client_side=False)
    assert info.value.code == "interface.client_side_required"
    with pytest.raises(errors.ServerSideRequired) as info2:
        co_config(client_side=True)
    assert info2.value.code == "interface.server_side_required"


def test_LL1_loyalty_lab_needs_a_workstation() -> None:
    with pytest.raises(errors.WorkstationRequired) as info:
        ll_config(workstation=None)
    assert info.value.code == "interface.workstation_required"
    with pytest.raises(errors.WorkstationRequired):
        ll_config(workstation="   ")


# ---------------------------------------------------------------- IF7


@given(s.interface_configs(), s.interface_configs())
def test_IF7_configs_collide_exactly_when_kind_scope_place_and_name_agree(
    a: InterfaceConfig, b: InterfaceConfig
) -> None:
    same = (
        a.kind is b.kind
        and name_key(a.display_name) == name_key(b.display_name)
        and (a.kind.policy.scope is not Scope.BRANCH or a.branch == b.branch)
        and (
            a.kind.policy.scope is not Scope.WORKSTATION
            or name_key(a.workstation or "") == name_key(b.workstation or "")
        )
    )
    assert (a.uniqueness_key() == b.uniqueness_key()) is same
    assert (a.uniqueness_key().text == b.uniqueness_key().text) is same


def test_IF7_display_names_compare_trimmed_folded_and_casefolded() -> None:
    assert name_key("Loyalty  Lab ") == name_key("loyalty lab")
    assert name_key("STRASSE") == name_key("Straße")
    assert (
        ll_config(display_name="Loyalty  Lab ").uniqueness_key()
        == ll_config(display_name="loyalty lab", workstation="kasse-1").uniqueness_key()
    )
    assert (
        ll_config(display_name="A").uniqueness_key() != ll_config(display_name="B").uniqueness_key()
    )


@given(st.text(max_size=12), st.text(max_size=12))
def test_IF7_name_key_is_idempotent_and_ignores_outer_space_and_case(a: str, b: str) -> None:
    assert name_key(name_key(a)) == name_key(a)
    assert name_key(f"  {a}\t") == name_key(a)
    assert name_key(a.upper()) == name_key(a.lower()) or not a.isascii()
    if name_key(a) == name_key(b):
        assert name_key(a + " x") == name_key(b + " x")


def test_IF7_empty_display_name_is_refused_and_none_takes_the_default() -> None:
    with pytest.raises(errors.DisplayNameRequired):
        ll_config(display_name="  ")
    assert ll_config(display_name=None).display_name == "Loyalty Lab"
    assert co_config().display_name == "Kundenkartenbestellung bei AMPAREX"


def test_IF7_service_refuses_the_second_configuration_naming_the_first() -> None:
    world = World()
    first = world.loyalty("KASSE-1", display_name="Loyalty Lab")
    with pytest.raises(errors.InterfaceDuplicate) as info:
        world.loyalty("kasse-1", display_name=" loyalty  LAB")
    assert info.value.code == "interface.duplicate"
    assert info.value.existing_id == first
    assert first in info.value.message("en") and first in info.value.message("de")
    assert len(world.interfaces.search()) == 1  # nothing written
    world.loyalty("KASSE-1", display_name="Zweites Labor")  # another name is fine
    world.loyalty("KASSE-2", display_name="Loyalty Lab")  # another workstation too
    assert len(world.interfaces.search()) == 3


def test_IF7_card_ordering_once_per_branch() -> None:
    world = World()
    world.card_ordering()
    world.card_ordering(branch="F01")
    with pytest.raises(errors.InterfaceDuplicate):
        world.card_ordering(branch="F01", workstation="KASSE-9")
    with pytest.raises(errors.InterfaceDuplicate):
        world.card_ordering()


# ---------------------------------------------------------------- IF4, IF9


def test_IF4_search_limited_to_workstation_settings() -> None:
    world = World()
    chain = world.card_ordering()
    bound = world.card_ordering(branch="F02", workstation="KASSE-1")
    ll = world.loyalty()
    assert {c.id for c in world.interfaces.search()} == {chain, bound, ll}
    assert {c.id for c in world.interfaces.search(with_workstation_settings=True)} == {bound, ll}
    assert [c.id for c in world.interfaces.search(kind=InterfaceKind.LOYALTY_LAB)] == [ll]


def test_IF4_unknown_id() -> None:
    world = World()
    with pytest.raises(errors.InterfaceUnknown) as info:
        world.interfaces.get("nope")
    assert info.value.code == "interface.unknown"
    with pytest.raises(errors.InterfaceUnknown):
        world.interfaces.remove("nope")


@given(
    st.lists(s.interface_configs(kind=InterfaceKind.CARD_ORDER), max_size=8),
    s.branches_ids,
    st.none() | s.workstation_names,
    s.dates,
)
def test_IF9_resolution_returns_available_ones_most_specific_first(
    configs: list[InterfaceConfig], branch: str, workstation: str | None, on: dt.date
) -> None:
    found = resolve(
        configs, kind=InterfaceKind.CARD_ORDER, branch=branch, workstation=workstation, on=on
    )
    expected = {
        c.id for c in configs if c.is_available(branch=branch, workstation=workstation, on=on)
    }
    assert {c.id for c in found} == expected
    ranks = [c.specificity for c in found]
    assert ranks == sorted(ranks)
    assert found == sorted(found, key=lambda c: (c.specificity, name_key(c.display_name), c.id))


# Few letters, so that names and IDs often are prefixes of one another; NUL and SOH are
# the characters an order-preserving text key must escape.
_ANY_TEXT = st.text(st.sampled_from(["a", "B", "\x00", "\x01", " ", "ß"]), max_size=4)


@given(
    st.lists(
        st.tuples(
            st.sampled_from([None, "F01"]),
            st.sampled_from([None, "KASSE-1", "kasse-1 "]),
            _ANY_TEXT.filter(lambda t: bool(name_key(t))),
            _ANY_TEXT.filter(lambda t: bool(t.strip())),
        ),
        max_size=8,
    )
)
def test_IF9_ties_sort_by_display_name_then_id_whatever_the_text(
    places: list[tuple[str | None, str | None, str, str]],
) -> None:
    """IF9: the order is (specificity, display-name key, ID) for any text, NUL included.

    Resolution sorts by one precomputed text per configuration; this checks it against
    the tuple it stands for, with names and IDs that are prefixes of each other and
    contain NUL and SOH.
    """
    configs = [
        InterfaceConfig(
            id=config_id,
            kind=InterfaceKind.CARD_ORDER,
            settings=CO,
            display_name=display,
            branch=branch,
            workstation=workstation,
        )
        for branch, workstation, display, config_id in places
    ]
    found = resolve(
        configs, kind=InterfaceKind.CARD_ORDER, branch="F01", workstation="KASSE-1", on=DAY
    )
    assert len(found) == len(configs)
    assert found == sorted(configs, key=lambda c: (c.specificity, name_key(c.display_name), c.id))


def test_IF9_service_resolution_and_not_available() -> None:
    world = World()
    chain = world.card_ordering()
    branch = world.card_ordering(branch="F01", display_name="Filiale")
    station = world.card_ordering(branch="F01", workstation="KASSE-1", display_name="Platz")
    later = world.card_ordering(branch="F02", display_name="Später", start=dt.date(2030, 1, 1))
    on = dt.date(2026, 11, 23)
    got = world.interfaces.resolve(
        InterfaceKind.CARD_ORDER, branch="F01", workstation="Kasse-1", on=on
    )
    assert [c.id for c in got] == [station, branch, chain]
    assert [c.specificity for c in got] == [
        Specificity.WORKSTATION,
        Specificity.BRANCH,
        Specificity.CHAIN,
    ]
    got2 = world.interfaces.resolve(InterfaceKind.CARD_ORDER, branch="F02", workstation=None, on=on)
    assert [c.id for c in got2] == [chain]
    got3 = world.interfaces.resolve(
        InterfaceKind.CARD_ORDER, branch="F02", workstation=None, on=dt.date(2030, 1, 1)
    )
    assert [c.id for c in got3] == [later, chain]
    with pytest.raises(errors.InterfaceNotAvailable) as info:
        world.interfaces.resolve(InterfaceKind.LOYALTY_LAB, branch="F01", workstation="X", on=on)
    assert info.value.code == "interface.not_available"
    assert "Filiale F01" in info.value.message("de")


def test_IF9_update_and_remove() -> None:
    world = World()
    config_id = world.card_ordering()
    config = world.interfaces.get(config_id)
    updated = world.interfaces.update(attrs.evolve(config, start=dt.date(2027, 1, 1)))
    assert world.interfaces.get(config_id).start == dt.date(2027, 1, 1) == updated.start
    assert world.interfaces.remove(config_id).id == config_id
    assert world.interfaces.search() == []


# ---------------------------------------------------------------- LL2, LL3, LL4


def test_LL2_customer_number_required() -> None:
    for value in ("", "   ", None):
        with pytest.raises(errors.CustomerNumberRequired) as info:
            LoyaltyLabSettings(customer_number=value, directory="/srv/ll")
        assert info.value.code == "loyalty_lab.customer_number_required"
        assert "Kunden-Nr." in info.value.message("de")


def test_LL3_statistic_templates_must_exist_and_be_csv() -> None:
    world = World()
    settings = LoyaltyLabSettings(
        customer_number="1", directory=LL_DIR, statistics={StatisticKind.CUSTOMERS: "ST-404"}
    )
    with pytest.raises(errors.StatisticTemplateUnknown) as info:
        world.interfaces.configure(InterfaceKind.LOYALTY_LAB, settings, workstation="W")
    assert info.value.code == "statistic.unknown_template"
    assert info.value.statistic == "customers"
    pdf = attrs.evolve(settings, statistics={StatisticKind.GLASSES: "ST-PDF"})
    with pytest.raises(errors.StatisticFormatNotCsv) as info2:
        world.interfaces.configure(InterfaceKind.LOYALTY_LAB, pdf, workstation="W")
    assert info2.value.code == "statistic.format_not_csv"
    assert world.interfaces.search() == []  # nothing written


def test_LL3_four_slots_in_manual_order_and_empty_slots_dropped() -> None:
    settings = LoyaltyLabSettings(
        customer_number="1",
        directory="/srv/ll",
        statistics={"hearing_aids": "ST-4", StatisticKind.CUSTOMERS: "ST-1", "glasses": "  "},
    )
    assert list(settings.statistics) == [StatisticKind.CUSTOMERS, StatisticKind.HEARING_AIDS]
    assert [k.german for k in StatisticKind] == [
        "Kundenstatistik",
        "Brillenstatistik",
        "Kontaktlinsenstatistik",
        "Hörgerätestatistik",
    ]


@pytest.mark.parametrize("directory", ["", "C:relative", "\x00", "out\x00box"])
def test_LL4_directory_must_be_a_folder_path(directory: str) -> None:
    with pytest.raises(errors.ExportDirectoryInvalid) as info:
        LoyaltyLabSettings(customer_number="1", directory=directory)
    assert info.value.code == "export.directory_invalid"


def test_LL4_a_relative_directory_needs_an_export_target_with_a_base_folder() -> None:
    """A relative folder is the export target's to resolve; without a base it is refused."""
    settings = LoyaltyLabSettings(customer_number="1", directory="relative/dir")
    world = World()
    with pytest.raises(errors.ExportDirectoryInvalid):
        world.interfaces.configure(InterfaceKind.LOYALTY_LAB, settings, workstation="W")
    assert world.interfaces.search() == []


def test_LL4_service_checks_the_directory_is_usable() -> None:
    world = World()
    settings = LoyaltyLabSettings(customer_number="1", directory="/does/not/exist")
    with pytest.raises(errors.ExportDirectoryInvalid):
        world.interfaces.configure(InterfaceKind.LOYALTY_LAB, settings, workstation="W")
    assert world.interfaces.search() == []


@pytest.mark.parametrize(
    ("pattern", "reason"),
    [
        ("{customer_number}.csv", "{statistic} is required"),
        ("{statistic}.csv", "{date} is required"),
        ("{statistic}_{date:%Y}_{user}.csv", "unknown placeholder"),
        ("../{statistic}_{date:%Y%m%d}.csv", "plain file name"),
        ("{statistic", "expected"),
        ("{statistic}_{date:%Y%m}.csv", "differ"),  # one name a month
        ("{statistic}_{date:%d%m}.csv", "differ"),  # the same name every year
    ],
)
def test_LL6_file_pattern_must_make_distinct_plain_names(pattern: str, reason: str) -> None:
    with pytest.raises(errors.FilePatternInvalid) as info:
        LoyaltyLabSettings(customer_number="1", directory="/x", file_pattern=pattern)
    assert reason in info.value.reason


@given(s.loyalty_lab_settings, s.dates, s.dates)
def test_LL6_file_names_differ_per_statistic_and_day(
    settings: LoyaltyLabSettings, a: dt.date, b: dt.date
) -> None:
    assume(a != b)
    names_a = {settings.file_name(k, a) for k in StatisticKind}
    names_b = {settings.file_name(k, b) for k in StatisticKind}
    assert len(names_a) == 4 and not names_a & names_b
    assert settings.file_pattern == DEFAULT_FILE_PATTERN
    assert settings.file_name(StatisticKind.GLASSES, dt.date(2026, 11, 23)) == (
        f"{settings.customer_number}_glasses_20261123.csv"
    )


def test_LL5_plan_exports_only_for_loyalty_lab() -> None:
    assert [p.statistic for p in plan_exports(ll_config(), dt.date(2026, 1, 1))] == []
    with pytest.raises(errors.InterfaceSettingsMismatch):
        plan_exports(co_config(), dt.date(2026, 1, 1))


def test_CO1_key_never_in_repr_or_str_of_the_configuration() -> None:
    config = co_config(settings=CardOrderSettings(contract="KV-1", key="top-secret-key"))
    for text in (repr(config), str(config), repr(config.settings), f"{config.settings}"):
        assert "top-secret-key" not in text
    assert isinstance(config.settings, CardOrderSettings)
    assert isinstance(config.settings.key, Secret)  # a value, only ever held in memory
    assert config.settings.key.reveal() == "top-secret-key"
    assert CardOrderSettings(contract="KV", key="  ").has_contract is False
    assert CardOrderSettings(contract=" ", key="k").has_contract is False
