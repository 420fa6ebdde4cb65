"""What a cover letter says about its people: the greeting, the sender, the date (CO23).

An order keeps, from the moment it is placed, how its holder is addressed
(:class:`Addressee`: salutation, title and name from the master data) and which branch
sends the card (:class:`Sender`: the ordering branch's name and address), so a batch
rendered again after a crash is the same letter (CO16). The letter's language is its
document template's (:attr:`~amparex_core.domain.masterdata.DocumentTemplate.language`).

>>> greeting(Addressee("Erika", "Müller", salutation="Frau", title="Dr."), "de")
'Sehr geehrte Frau Dr. Müller'
>>> greeting(Addressee("Max", "Muster", salutation="Herr"), "en")
'Dear Mr Muster'
>>> greeting(Addressee("Kim", "Kunde"), "de")
'Guten Tag Kim Kunde'
"""

from __future__ import annotations

import datetime as dt
from typing import Final

import attrs

from ._records import frozen
from .masterdata import Branch, Customer, Employee, PostalAddress

__all__ = [
    "LETTER_LANGUAGES",
    "Addressee",
    "Sender",
    "greeting",
    "letter_date",
    "salutation_gender",
]

#: The languages a letter can be written in (a document template's ``language``).
LETTER_LANGUAGES: Final = ("de", "en")

# Salutations as master data holds them, by the form of address they ask for.
_FEMALE: Final = frozenset({"frau", "fr", "ms", "mrs", "miss", "madam", "w", "weiblich", "female"})
_MALE: Final = frozenset({"herr", "hr", "mr", "sir", "m", "männlich", "male"})

_MONTHS_EN: Final = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def _optional(value: str | None) -> str | None:
    return None if value is None else (" ".join(value.split()) or None)


def _text(value: str) -> str:
    return " ".join(value.split())


@frozen
class Addressee:
    """How a letter addresses the card holder (CO23).

    Attributes:
        first_name: From the master data.
        last_name: From the master data.
        salutation: The master data's salutation (``Frau``, ``Herr``, ``Mr`` …), if any.
        title: An academic title (``Dr.``, ``Prof. Dr.``), if any.
    """

    first_name: str = attrs.field(converter=_text)
    last_name: str = attrs.field(converter=_text)
    salutation: str | None = attrs.field(default=None, converter=_optional)
    title: str | None = attrs.field(default=None, converter=_optional)

    @classmethod
    def of(cls, holder: Customer | Employee) -> Addressee:
        """The addressee of a customer or employee."""
        return cls(holder.first_name, holder.last_name, holder.salutation, holder.title)

    @property
    def full_name(self) -> str:
        """The name with the title before it, as in ``Dr. Erika Müller``."""
        return " ".join(p for p in (self.title, self.first_name, self.last_name) if p)


@frozen
class Sender:
    """The branch a letter comes from: the ordering branch (CO23).

    Attributes:
        branch: Its ID.
        name: Its name.
        address: Its postal address, if the master data has one.
        phone: Its phone number, if any.
        email: Its e-mail address, if any.
    """

    branch: str
    name: str
    address: PostalAddress | None = None
    phone: str | None = None
    email: str | None = None

    @classmethod
    def of(cls, branch: Branch) -> Sender:
        """The sender that is *branch*."""
        return cls(branch.id, branch.name, branch.address, branch.phone, branch.email)

    @property
    def line(self) -> str:
        """The one-line return address above a window envelope's address field.

        >>> Sender("F01", "Optik Muster", PostalAddress("Königstr. 1", "70173", "Stuttgart")).line
        'Optik Muster · Königstr. 1 · 70173 Stuttgart'
        """
        parts = [self.name]
        if self.address is not None:
            parts += [self.address.street, f"{self.address.postal_code} {self.address.city}"]
        return " · ".join(p for p in parts if p)


def salutation_gender(salutation: str | None) -> str | None:
    """``"female"``, ``"male"`` or ``None`` (a neutral greeting) for a salutation.

    Case, a final dot and surrounding space do not matter (``"Fr."`` is ``"Frau"``).
    """
    if not salutation:
        return None
    word = salutation.strip().rstrip(".").casefold()
    if word in _FEMALE:
        return "female"
    if word in _MALE:
        return "male"
    return None


def greeting(addressee: Addressee, language: str) -> str:
    """The letter's greeting, without the comma that follows it (CO23).

    German: ``Sehr geehrte Frau [Titel] Nachname`` / ``Sehr geehrter Herr [Titel]
    Nachname``, else ``Guten Tag [Titel] Vorname Nachname``. English: ``Dear Ms Surname``
    / ``Dear Mr Surname`` (``Dear Dr Surname`` with a title), else ``Dear First Surname``.

    Raises:
        ValueError: *language* is not one of :data:`LETTER_LANGUAGES`.
    """
    gender = salutation_gender(addressee.salutation)
    title = addressee.title
    last = addressee.last_name or addressee.full_name
    if language == "de":
        if gender == "female":
            return " ".join(p for p in ("Sehr geehrte Frau", title, last) if p)
        if gender == "male":
            return " ".join(p for p in ("Sehr geehrter Herr", title, last) if p)
        return f"Guten Tag {addressee.full_name}".rstrip()
    if language == "en":
        if gender is not None and title:
            return f"Dear {title.rstrip('.')} {last}"
        if gender == "female":
            return f"Dear Ms {last}"
        if gender == "male":
            return f"Dear Mr {last}"
        return f"Dear {addressee.full_name}".rstrip()
    raise ValueError(
        f"a letter is written in one of {', '.join(LETTER_LANGUAGES)}, not {language!r}"
    )


def letter_date(day: dt.date, language: str) -> str:
    """*day* as a letter in *language* is dated: ``07.12.2026`` / ``7 December 2026``.

    Raises:
        ValueError: *language* is not one of :data:`LETTER_LANGUAGES`.
    """
    if language == "de":
        return f"{day:%d.%m.%Y}"
    if language == "en":
        return f"{day.day} {_MONTHS_EN[day.month - 1]} {day.year}"
    raise ValueError(
        f"a letter is written in one of {', '.join(LETTER_LANGUAGES)}, not {language!r}"
    )
