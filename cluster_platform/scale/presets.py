"""How much to make: the Scale presets, the regions the clusters stand for, and the split of each
national total over the clusters.

Every count of a Scale is a total over all its clusters; `split` gives each cluster its share
by the region's weight (largest remainders, so the shares add up to the total exactly).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass


@dataclass(frozen=True)
class Region:
    slug: str
    name: str  # of the cluster
    region: str
    weight: float
    centre: tuple[float, float]  # latitude, longitude of the regional centre
    phone_code: str
    city: str  # where the centre organizations stand, for their names
    districts: tuple[str, ...]


def _cluster_name(region: str) -> str:
    return f"{region} pedagogik klasteri"


# The capital carries the most: universities, the national institutes and most enterprises sit
# there, so its cluster is the largest (a fixed share); the others follow their populations.
CAPITAL_SHARE = 0.19

_REGIONS = (
    # slug, region, population (millions), centre, phone code, city, districts
    ("toshkent-shahri", "Toshkent shahri", None, (41.3111, 69.2797), "71", "Toshkent", (
        "Bektemir", "Chilonzor", "Mirobod", "Mirzo Ulug'bek", "Olmazor", "Sergeli", "Shayxontohur",
        "Uchtepa", "Yakkasaroy", "Yashnobod", "Yunusobod", "Yangihayot")),
    ("samarqand", "Samarqand viloyati", 4.2, (39.6542, 66.9597), "66", "Samarqand", (
        "Samarqand shahri", "Bulung'ur", "Ishtixon", "Jomboy", "Kattaqo'rg'on", "Narpay", "Nurobod",
        "Oqdaryo", "Pastdarg'om", "Payariq", "Qo'shrabot", "Toyloq", "Urgut", "Paxtachi")),
    ("fargona", "Farg'ona viloyati", 4.0, (40.3864, 71.7864), "73", "Farg'ona", (
        "Farg'ona shahri", "Qo'qon", "Marg'ilon", "Quvasoy", "Beshariq", "Bog'dod", "Buvayda", "Dang'ara",
        "Oltiariq", "Qo'shtepa", "Rishton", "So'x", "Toshloq", "Uchko'prik", "Yozyovon", "Furqat", "Quva")),
    ("andijon", "Andijon viloyati", 3.4, (40.7821, 72.3442), "74", "Andijon", (
        "Andijon shahri", "Asaka", "Baliqchi", "Bo'z", "Buloqboshi", "Izboskan", "Jalaquduq", "Xo'jaobod",
        "Qo'rg'ontepa", "Marhamat", "Oltinko'l", "Paxtaobod", "Shahrixon", "Ulug'nor")),
    ("namangan", "Namangan viloyati", 3.0, (40.9983, 71.6726), "69", "Namangan", (
        "Namangan shahri", "Chortoq", "Chust", "Kosonsoy", "Mingbuloq", "Norin", "Pop", "To'raqo'rg'on",
        "Uchqo'rg'on", "Uychi", "Yangiqo'rg'on")),
    ("qashqadaryo", "Qashqadaryo viloyati", 3.5, (38.8606, 65.7847), "75", "Qarshi", (
        "Qarshi shahri", "Shahrisabz", "Chiroqchi", "Dehqonobod", "G'uzor", "Kasbi", "Kitob", "Koson",
        "Mirishkor", "Muborak", "Nishon", "Qamashi", "Yakkabog'")),
    ("surxondaryo", "Surxondaryo viloyati", 2.9, (37.2242, 67.2783), "76", "Termiz", (
        "Termiz shahri", "Angor", "Boysun", "Denov", "Jarqo'rg'on", "Qiziriq", "Qumqo'rg'on", "Muzrabot",
        "Oltinsoy", "Sariosiyo", "Sherobod", "Sho'rchi", "Uzun")),
    ("toshkent-viloyati", "Toshkent viloyati", 3.0, (41.0058, 69.0125), "70", "Nurafshon", (
        "Nurafshon shahri", "Angren", "Olmaliq", "Chirchiq", "Bekobod", "Bo'ka", "Bo'stonliq", "Chinoz",
        "Qibray", "Ohangaron", "Oqqo'rg'on", "Parkent", "Piskent", "Quyichirchiq", "Yangiyo'l", "Zangiota")),
    ("buxoro", "Buxoro viloyati", 2.0, (39.7681, 64.4556), "65", "Buxoro", (
        "Buxoro shahri", "Kogon", "G'ijduvon", "Jondor", "Olot", "Peshku", "Qorako'l", "Qorovulbozor",
        "Romitan", "Shofirkon", "Vobkent")),
    ("xorazm", "Xorazm viloyati", 1.9, (41.5500, 60.6333), "62", "Urganch", (
        "Urganch shahri", "Xiva", "Bog'ot", "Gurlan", "Xonqa", "Hazorasp", "Qo'shko'pir", "Shovot",
        "Yangiariq", "Yangibozor", "Tuproqqal'a")),
    ("qoraqalpogiston", "Qoraqalpog'iston Respublikasi", 2.0, (42.4600, 59.6100), "61", "Nukus", (
        "Nukus shahri", "Amudaryo", "Beruniy", "Chimboy", "Ellikqal'a", "Kegeyli", "Mo'ynoq", "Qonliko'l",
        "Qo'ng'irot", "Qorao'zak", "Shumanay", "Taxtako'pir", "To'rtko'l", "Xo'jayli")),
    ("jizzax", "Jizzax viloyati", 1.5, (40.1158, 67.8422), "72", "Jizzax", (
        "Jizzax shahri", "Arnasoy", "Baxmal", "Do'stlik", "Forish", "G'allaorol", "Mirzacho'l", "Paxtakor",
        "Yangiobod", "Zafarobod", "Zarbdor", "Zomin", "Sharof Rashidov")),
    ("navoiy", "Navoiy viloyati", 1.1, (40.1039, 65.3739), "79", "Navoiy", (
        "Navoiy shahri", "Zarafshon", "Karmana", "Konimex", "Navbahor", "Nurota", "Qiziltepa", "Tomdi",
        "Uchquduq", "Xatirchi")),
    ("sirdaryo", "Sirdaryo viloyati", 0.9, (40.4897, 68.7842), "67", "Guliston", (
        "Guliston shahri", "Yangiyer", "Shirin", "Boyovut", "Oqoltin", "Sardoba", "Sayxunobod", "Sirdaryo",
        "Xovos", "Mirzaobod")),
)


def _national() -> dict[str, Region]:
    people = sum(row[2] for row in _REGIONS if row[2] is not None)
    regions = {}
    for slug, region, population, centre, phone, city, districts in _REGIONS:
        weight = CAPITAL_SHARE if population is None else (1 - CAPITAL_SHARE) * population / people
        regions[slug] = Region(slug, _cluster_name(region), region, weight, centre, phone, city, districts)
    return regions


REGIONS: dict[str, Region] = {
    **_national(),
    # Two small test regions for quick runs.
    "small-a": Region("small-a", "Small A pedagogik klasteri", "Sinov hududi A", 0.55, (40.12, 67.84), "72",
                      "Sinovobod", ("Markaziy", "Shimoliy", "Janubiy", "Sharqiy")),
    "small-b": Region("small-b", "Small B pedagogik klasteri", "Sinov hududi B", 0.45, (39.65, 66.96), "66",
                      "Yangiobod", ("Yuqori", "Quyi", "O'rta")),
}
NATIONAL_SLUGS = tuple(row[0] for row in _REGIONS)


@dataclass(frozen=True)
class Scale:
    """Counts of a synthetic data set, each in total over its clusters.

    `slugs` names the clusters' regions (REGIONS), the first one the largest at national scale;
    empty means the first `clusters` regions of Uzbekistan. Make a custom one with
    dataclasses.replace(Scale.named("small"), people=5000)."""

    name: str
    clusters: int
    schools: int
    universities: int  # universities and institutes: the pedagogical university and IRO of each cluster too
    colleges: int
    enterprises: int
    preschools: int
    authorities: int
    ngos: int
    people: int
    agreements: int
    bookings: int
    innovations: int
    enrolments: int
    resources: int
    programmes: int
    sessions: int
    applications: int
    employer_needs: int
    experts: int
    rating_quarters: int = 12
    slugs: tuple[str, ...] = ()

    def __post_init__(self):
        for field in dataclasses.fields(self):
            value = getattr(self, field.name)
            if isinstance(value, int) and value < 0:
                raise ValueError(f"Scale.{field.name} cannot be negative.")
        slugs = self.cluster_slugs
        unknown = [slug for slug in slugs if slug not in REGIONS]
        if unknown:
            raise ValueError(f"Unknown regions: {', '.join(unknown)}; choose among {', '.join(REGIONS)}.")
        if len(set(slugs)) != len(slugs):
            raise ValueError("Each region makes one cluster: a slug is repeated.")
        n = self.clusters
        minimums = {"universities": 2 * n, "authorities": n, "schools": 3 * n, "experts": 3 * n, "resources": n,
                    "programmes": 3 * n, "rating_quarters": 2}
        for name, least in minimums.items():
            if getattr(self, name) < least:
                raise ValueError(f"Scale.{name} must be at least {least} for {n} clusters.")
        if self.people < 12 * self.organizations:
            raise ValueError(f"Scale.people must be at least {12 * self.organizations}: a dozen per organization.")
        if self.sessions < self.programmes:
            raise ValueError("Scale.sessions must be at least Scale.programmes: a session per programme.")

    @property
    def cluster_slugs(self) -> tuple[str, ...]:
        if self.slugs:
            if len(self.slugs) != self.clusters:
                raise ValueError(f"Scale.slugs names {len(self.slugs)} regions for {self.clusters} clusters.")
            return self.slugs
        if not 1 <= self.clusters <= len(NATIONAL_SLUGS):
            raise ValueError(f"Give Scale.slugs for {self.clusters} clusters (there are {len(NATIONAL_SLUGS)} "
                             "regions of Uzbekistan).")
        return NATIONAL_SLUGS[:self.clusters]

    @property
    def organizations(self) -> int:
        return (self.schools + self.universities + self.colleges + self.enterprises + self.preschools
                + self.authorities + self.ngos)

    @classmethod
    def named(cls, name: str) -> Scale:
        try:
            return PRESETS[name]
        except KeyError:
            raise ValueError(f"Unknown scale {name!r}; choose among {', '.join(PRESETS)}.") from None


PRESETS = {
    "national": Scale(
        name="national", clusters=14, schools=11_000, universities=220, colleges=850, enterprises=4_000,
        preschools=700, authorities=210, ngos=140, people=600_000, agreements=100_000, bookings=1_000_000,
        innovations=50_000, enrolments=2_000_000, resources=8_000, programmes=20_000, sessions=140_000,
        applications=700, employer_needs=600, experts=420,
    ),
    # One region, about a tenth of the country.
    "region": Scale(
        name="region", clusters=1, schools=1_100, universities=22, colleges=85, enterprises=400, preschools=70,
        authorities=21, ngos=14, people=60_000, agreements=10_000, bookings=100_000, innovations=5_000,
        enrolments=200_000, resources=800, programmes=2_000, sessions=14_000, applications=70,
        employer_needs=60, experts=42, slugs=("samarqand",),
    ),
    # Two small clusters, a few thousand rows in all: for tests and quick runs.
    "small": Scale(
        name="small", clusters=2, schools=60, universities=6, colleges=8, enterprises=20, preschools=4,
        authorities=2, ngos=2, people=1_500, agreements=120, bookings=1_000, innovations=80, enrolments=2_000,
        resources=40, programmes=40, sessions=200, applications=8, employer_needs=4, experts=8,
        slugs=("small-a", "small-b"),
    ),
}


def split(total: int, weights: list[float], minimum: int = 0) -> list[int]:
    """`total` over the weights, each part at least `minimum`, the parts adding up to `total`
    (largest remainders; ties to the earlier part)."""
    parts = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    if rest < 0:
        raise ValueError(f"{total} cannot give each of {len(weights)} parts {minimum}.")
    whole = sum(weights)
    shares = [rest * weight / whole for weight in weights]
    floors = [int(share) for share in shares]
    left = rest - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return [part + extra for part, extra in zip(parts, floors, strict=True)]
