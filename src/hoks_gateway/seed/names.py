"""Synthetic people: Finnish first names and surnames, and contact data that cannot reach anyone.

The lists hold common names only, so any one name is shared by thousands of real people and a
random combination identifies no one.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from hoks_gateway.seed.weighted import Weighted

_FEMALE_TEXT = """
Aada Aino Alisa Amanda Anna Anni Aurora Eevi Elina Ella Elli Emilia Emma Enni Heidi Helmi Iida
Inka Jenna Johanna Julia Kaisa Katariina Kerttu Laura Lilja Linnea Maria Matilda Milla Minea Nea
Neea Noora Olivia Oona Pihla Riikka Ronja Sanni Sara Siiri Sofia Tiia Veera Venla Vilma Wilma
"""
FIRST_NAMES_FEMALE = tuple(_FEMALE_TEXT.split())
_MALE_TEXT = """
Aaro Aleksi Antti Arttu Eeli Eemeli Eetu Elias Emil Eino Henrik Ilmari Jere Joel Johannes Joni
Joonas Juhani Juho Kalle Kasper Lauri Leevi Lenni Leo Matias Mikael Niilo Niko Olavi Oliver Onni
Oskari Otto Patrik Roope Samuel Santeri Tapani Teemu Toivo Tuomas Valtteri Veeti Viljami Ville
Väinö
"""
FIRST_NAMES_MALE = tuple(_MALE_TEXT.split())
# Middle names are drawn from a narrower, more traditional set, as in the population register.
MIDDLE_NAMES_FEMALE = ("Maria", "Johanna", "Sofia", "Emilia", "Kaarina", "Helena", "Aurora", "Elina")
MIDDLE_NAMES_MALE = ("Juhani", "Olavi", "Johannes", "Mikael", "Antero", "Tapani", "Ilmari", "Kalevi")

_SURNAME_TEXT = """
Aaltonen Ahonen Anttila Heikkilä Heikkinen Heinonen Hiltunen Hirvonen Hämäläinen Jokinen
Järvinen Kallio Karjalainen Kauppinen Kemppainen Kettunen Kinnunen Kiviniemi Koivisto Korhonen
Koskinen Laaksonen Lahtinen Laine Laitinen Lehtinen Lehto Lehtonen Leinonen Lindholm Manninen
Mattila Miettinen Mustonen Mäkelä Mäkinen Niemi Nieminen Nurmi Ojala Peltonen Pitkänen Rantanen
Räsänen Saarinen Salminen Salo Salonen Savolainen Seppälä Tuominen Turunen Vainio Virtanen
Väisänen Ylönen
"""
SURNAMES = tuple(_SURNAME_TEXT.split())

# A domain reserved for examples (RFC 2606): seeded addresses must never reach a real inbox, even
# if a feedback sender runs against a demo database. Phone numbers share one recognisable
# 040 000 prefix for the same reason.
EMAIL_DOMAIN = "example.com"

_MIDDLE_NAME_COUNT = Weighted([(0, 15), (1, 60), (2, 25)])
_ASCII = str.maketrans({"ä": "a", "ö": "o", "å": "a", "é": "e", "ü": "u"})


class Person(NamedTuple):
    first_names: str
    calling_name: str
    surname: str


def person(rng: random.Random) -> Person:
    female = rng.random() < 0.5
    given = FIRST_NAMES_FEMALE if female else FIRST_NAMES_MALE
    middle = MIDDLE_NAMES_FEMALE if female else MIDDLE_NAMES_MALE
    names = [rng.choice(given)]
    for _ in range(_MIDDLE_NAME_COUNT.pick(rng)):
        candidate = rng.choice(middle if rng.random() < 0.6 else given)
        if candidate not in names:
            names.append(candidate)
    # Most people go by their first given name; some by the second.
    calling = names[1] if len(names) > 1 and rng.random() < 0.12 else names[0]
    return Person(" ".join(names), calling, rng.choice(SURNAMES))


def full_name(rng: random.Random) -> str:
    """A staff member's or workplace instructor's name, in one of the two forms eHOKS sees."""
    p = person(rng)
    return f"{p.surname}, {p.calling_name}" if rng.random() < 0.5 else f"{p.calling_name} {p.surname}"


def email(given: str, surname: str) -> str:
    local = f"{given}.{surname}".lower().translate(_ASCII).replace(" ", "")
    return f"{local}@{EMAIL_DOMAIN}"


def email_of(name: str) -> str:
    """The address that goes with a name made by full_name()."""
    if "," in name:
        surname, given = (part.strip() for part in name.split(",", 1))
    else:
        given, surname = name.split(" ", 1)
    return email(given, surname)


def phone(rng: random.Random) -> str:
    return f"040 000 {rng.randrange(10_000):04d}"
