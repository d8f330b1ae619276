"""The demo clusters as data: read by `seed_demo` (which writes) and `run_demo` (which prints
the logins). Names, districts and enterprises are real places in Tashkent and Samarkand
regions; people, tax ids, addresses and ratings are invented.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

DEMO_PASSWORD = "demo"


@dataclass(frozen=True)
class DemoUser:
    username: str
    cluster_slug: str
    # "coordinator" / "authority" / "expert" (a cluster role) or "admin" (of `organization`).
    role: str
    full_name: str
    position: str
    organization: str  # the `key` of the organization the person works for
    subject: str = ""

    @property
    def email(self) -> str:
        return f"{self.username}@demo.example.org"


@dataclass(frozen=True)
class Org:
    key: str
    kind: str
    name: str
    short_name: str
    district: str
    cluster_role: str = "member"
    website: str = ""
    specialisations: str = ""
    joined_on: datetime.date = datetime.date(2024, 9, 1)
    staff: tuple = ()  # (position, subject) pairs besides the generated school staff
    # The name in other languages (Organization.name_translations): {"ru": ..., "uz": ...}.
    name_translations: dict | None = None


@dataclass(frozen=True)
class Application:
    organization_name: str
    kind: str
    district: str
    contact_name: str
    contact_email: str
    contact_phone: str
    motivation: str
    website: str = ""


@dataclass(frozen=True)
class Suspension:
    organization: str  # key
    effective_on: datetime.date
    reason: str


@dataclass(frozen=True)
class ClusterSpec:
    slug: str
    name: str
    region: str
    goals: str
    centre: str  # key of the centre organization
    organizations: tuple[Org, ...]
    schools: dict  # district -> school numbers
    tax_id_base: int
    applications: tuple[Application, ...] = ()
    suspensions: tuple[Suspension, ...] = ()
    founded_on: datetime.date = datetime.date(2023, 9, 1)
    phone_code: str = "70"
    schools_joined_on: datetime.date = datetime.date(2024, 9, 1)
    # Branding (members.branding): the colours, and whether seed_demo draws the cluster a logo.
    primary_colour: str = "#0b3d91"
    accent_colour: str = "#0062cc"
    logo: bool = False


# Approximate centres of the districts and cities, for the map (latitude, longitude).
DISTRICT_COORDINATES = {
    "Chirchik": (41.4689, 69.5822),
    "Angren": (41.0167, 70.1436),
    "Almalyk": (40.8447, 69.5983),
    "Bekabad": (40.2208, 69.2697),
    "Ohangaron": (40.9064, 69.6383),
    "Yangiyul": (41.1122, 69.0472),
    "Nurafshon": (41.0436, 69.3578),
    "Zangiota": (41.1917, 69.1414),
    "Qibray": (41.3897, 69.4650),
    "Parkent": (41.2944, 69.6764),
    "Bostanliq": (41.5581, 69.7722),
    "Yuqorichirchiq": (41.3836, 69.6981),
    "Piskent": (40.8972, 69.3506),
    "Chinoz": (40.9364, 68.7642),
    "Oqqo'rg'on": (40.8796, 69.0436),
    "Tashkent": (41.3111, 69.2797),
    "Samarkand": (39.6542, 66.9597),
    "Urgut": (39.4022, 67.2431),
    "Kattakurgan": (39.8989, 66.2561),
    "Pastdargom": (39.7272, 66.6881),
    "Bulungur": (39.7667, 67.2667),
    "Jomboy": (39.6997, 67.0936),
}

STREETS = [
    "Amir Temur", "Mustaqillik", "Alisher Navoiy", "Bobur", "Mirzo Ulug'bek", "Yoshlik",
    "Istiqlol", "Bunyodkor", "Do'stlik", "Navro'z", "Sharof Rashidov", "Abdulla Qodiriy",
]

MALE_FIRST = [
    "Akmal", "Bobur", "Dilshod", "Farrukh", "Jasur", "Javlon", "Otabek", "Rustam", "Sardor",
    "Sherzod", "Shukhrat", "Ulugbek", "Zafar", "Bakhtiyor", "Aziz", "Jamshid", "Nodir",
    "Sanjar", "Temur", "Oybek", "Anvar", "Bekzod", "Davron", "Elyor", "Ilhom",
]
FEMALE_FIRST = [
    "Dilnoza", "Feruza", "Gulnora", "Kamola", "Malika", "Madina", "Nigora", "Nilufar",
    "Nodira", "Sevara", "Shahnoza", "Umida", "Zarina", "Mukhlisa", "Dildora", "Gulchehra",
    "Barno", "Lola", "Munisa", "Yulduz", "Saodat", "Zulfiya", "Mohira", "Hilola", "Durdona",
]
SURNAMES = [
    "Abdullayev", "Alimov", "Ahmedov", "Bakirov", "Ergashev", "Fayzullayev", "Ganiyev",
    "Hasanov", "Ibragimov", "Ismoilov", "Jurayev", "Karimov", "Khodjayev", "Mirzayev",
    "Nazarov", "Normatov", "Qodirov", "Rahimov", "Rashidov", "Saidov", "Salimov",
    "Tashpulatov", "Umarov", "Usmonov", "Yusupov", "Zokirov", "Sultonov", "Tursunov",
    "Kholmatov", "Mamatov", "Nurmatov", "Sobirov",
]

SCHOOL_SUBJECTS = [
    "Mathematics", "Physics", "Chemistry", "Biology", "Uzbek language and literature",
    "Russian language", "English", "History", "Geography", "Informatics and information technology",
    "Primary education", "Physical education", "Technology", "Music", "Fine arts",
]

# Ratings: colour from the monitoring score (out of 100).
GREEN_FROM = 70
YELLOW_FROM = 50
RATING_PERIODS = 4  # the latest half-year periods (1 March and 1 September) up to today

# Schools whose history must show the movement the cluster exists for.
RATING_TRAJECTORIES = {
    ("Chirchik", 17): (41.5, 53.0, 63.5, 74.0),  # red -> yellow -> yellow -> green
    ("Angren", 9): (38.0, 46.5, 57.0, 71.5),  # red -> red -> yellow -> green
    ("Parkent", 26): (44.0, 52.5, 61.0, 70.5),  # red -> yellow -> yellow -> green
    ("Bostanliq", 33): (47.5, 45.0, 51.0, 58.5),  # red -> red -> yellow -> yellow
    ("Almalyk", 5): (74.0, 68.0, 66.5, 72.0),  # green -> yellow -> yellow -> green
    ("Chinoz", 19): (36.0, 39.5, 43.0, 47.5),  # red throughout, improving
    ("Urgut", 14): (43.5, 49.0, 55.5, 62.0),  # red -> red -> yellow -> yellow
    ("Jomboy", 11): (39.0, 44.5, 47.0, 52.5),  # red -> red -> red -> yellow
}


TASHKENT = ClusterSpec(
    slug="tashkent-region",
    name="Tashkent region pedagogical cluster",
    region="Tashkent region",
    goals=(
        "Connect Chirchik State Pedagogical University, the regional in-service training "
        "institute, schools, technical schools and the region's enterprises in one network: "
        "joint teacher professional development, shared laboratories and equipment, dual "
        "education with Almalyk MMC, Uzmetkombinat and Maxam-Chirchiq, and the piloting and "
        "dissemination of pedagogical innovations. Target: no school rated red by 2027."
    ),
    centre="cspu",
    tax_id_base=301_120_000,
    primary_colour="#0f5257",  # deep teal, white text 8.9:1
    accent_colour="#d4a017",  # gold
    logo=True,
    founded_on=datetime.date(2023, 9, 1),
    organizations=(
        Org("cspu", "pedagogical_university", "Chirchik State Pedagogical University", "CSPU", "Chirchik",
            name_translations={"ru": "Чирчикский государственный педагогический университет",
                               "uz": "Chirchiq davlat pedagogika universiteti"},
            cluster_role="centre", website="https://cspu.uz", joined_on=datetime.date(2023, 9, 1),
            specialisations="Teacher education in 40 bachelor's programmes; pedagogy and psychology; "
                            "methodology of teaching STEM subjects; research laboratories in chemistry, "
                            "physics and biology",
            staff=(("Vice-rector for research and innovation", ""),
                   ("Head of the Department of Pedagogy", "Pedagogy"),
                   ("Associate professor", "Methods of teaching mathematics"),
                   ("Associate professor", "Methods of teaching chemistry"))),
        Org("iro", "iro", "Tashkent Region Institute for Retraining and Advanced Training of Public "
            "Education Staff", "Tashkent Region IRO", "Nurafshon",
            name_translations={"ru": "Институт переподготовки и повышения квалификации работников народного "
                                     "образования Ташкентской области",
                               "uz": "Toshkent viloyati xalq taʼlimi xodimlarini qayta tayyorlash va ularning "
                                     "malakasini oshirish instituti"}, joined_on=datetime.date(2023, 9, 1),
            specialisations="Professional development courses for teachers and school leaders; "
                            "methodological support; certification of teachers",
            staff=(("Director", ""),
                   ("Head of the department of innovative educational technologies", "Educational technology"),
                   ("Senior methodologist", "Primary education"))),
        Org("authority", "authority", "Department of Preschool and School Education of Tashkent Region",
            "Regional education department", "Nurafshon",
            name_translations={"ru": "Управление дошкольного и школьного образования Ташкентской области",
                               "uz": "Toshkent viloyati maktabgacha va maktab taʼlimi boshqarmasi"}, joined_on=datetime.date(2023, 9, 1),
            specialisations="Regional education policy; school quality monitoring and ratings",
            staff=(("Head of the department", ""),)),
        Org("rips", "research_institute", "Research Institute of Pedagogical Sciences of Uzbekistan named "
            "after T. N. Kori Niyoziy", "Kori Niyoziy Institute", "Tashkent", cluster_role="associate",
            name_translations={"ru": "Научно-исследовательский институт педагогических наук Узбекистана имени "
                                     "Т. Н. Кори Ниёзий",
                               "uz": "T. N. Qori Niyoziy nomidagi Oʻzbekiston pedagogika fanlari ilmiy-tadqiqot "
                                     "instituti"},
            joined_on=datetime.date(2024, 2, 1),
            specialisations="Research in didactics and curricula; expert review of textbooks and "
                            "pedagogical innovations",
            staff=(("Leading researcher", "Didactics"),
                   ("Senior researcher", "Assessment of learning outcomes"))),
        Org("misis", "university", "Almalyk Branch of the National University of Science and Technology "
            "MISIS", "NUST MISIS Almalyk", "Almalyk", joined_on=datetime.date(2024, 2, 1),
            specialisations="Mining, metallurgy and mineral processing engineering",
            staff=(("Director of the branch", ""), ("Head of the career centre", ""))),
        Org("tech-chirchik", "college", "Chirchik Technical School of Chemical Technology",
            "Chirchik Chemical Technical School", "Chirchik",
            specialisations="Chemical technology; laboratory analysis; industrial ecology",
            staff=(("Director", ""), ("Deputy director for production training", "Chemical technology"))),
        Org("tech-almalyk", "college", "Almalyk Mining and Metallurgical Technical School",
            "Almalyk Mining Technical School", "Almalyk",
            specialisations="Mining; metallurgy; electrical equipment of industrial enterprises",
            staff=(("Director", ""), ("Master of industrial training", "Metallurgy"))),
        Org("tech-angren", "college", "Angren Technical School of Energy and Construction",
            "Angren Energy Technical School", "Angren",
            specialisations="Power engineering; construction; welding",
            staff=(("Director", ""), ("Master of industrial training", "Electrical engineering"))),
        Org("tech-bekabad", "college", "Bekabad Metallurgical Technical School",
            "Bekabad Metallurgical Technical School", "Bekabad",
            specialisations="Steelmaking; rolling; mechanical engineering",
            staff=(("Director", ""), ("Deputy director for production training", "Metallurgy"))),
        Org("tech-yangiyul", "college", "Yangiyul Technical School of Light Industry",
            "Yangiyul Light Industry Technical School", "Yangiyul",
            specialisations="Textile technology; garment design",
            staff=(("Director", ""),)),
        Org("almalyk-mmc", "enterprise", "Almalyk Mining and Metallurgical Combine JSC", "Almalyk MMC",
            "Almalyk", cluster_role="associate", website="https://agmk.uz",
            specialisations="Copper, zinc and precious metals; dual education and internships",
            staff=(("Head of the training centre", ""),)),
        Org("uzmet", "enterprise", "Uzbekistan Metallurgical Plant JSC", "Uzmetkombinat", "Bekabad",
            cluster_role="associate", website="https://uzbekistansteel.uz",
            specialisations="Steel and rolled products; internships for technical-school students",
            staff=(("HR director", ""),)),
        Org("maxam", "enterprise", "Maxam-Chirchiq JSC", "Maxam-Chirchiq", "Chirchik", cluster_role="associate",
            website="https://maxam-chirchiq.uz",
            specialisations="Nitrogen fertilisers and industrial chemicals; chemistry laboratory "
                            "open to schools",
            staff=(("Head of the personnel training department", ""),)),
        Org("ohangaron-cement", "enterprise", "Ohangaronsement JSC", "Ohangaronsement", "Ohangaron",
            cluster_role="associate", joined_on=datetime.date(2025, 3, 1),
            specialisations="Cement production; practice placements",
            staff=(("Chief engineer", ""),)),
        Org("ziyo", "ngo", "Ziyo Association of Young Teachers of Tashkent Region", "Ziyo", "Chirchik",
            cluster_role="associate", joined_on=datetime.date(2025, 3, 1),
            specialisations="Mentoring of young teachers; teaching olympiads; master classes",
            staff=(("Chair of the board", ""),)),
        Org("dmtt-12", "preschool", "Preschool Educational Organisation No. 12, Chirchik", "Preschool No. 12",
            "Chirchik", staff=(("Head", ""), ("Educator", "Early childhood education"))),
        Org("dmtt-3", "preschool", "Preschool Educational Organisation No. 3, Angren", "Preschool No. 3",
            "Angren", staff=(("Head", ""),)),
    ),
    schools={
        "Chirchik": (1, 4, 7, 12, 17, 23),
        "Angren": (2, 9, 14, 21),
        "Almalyk": (5, 8, 13, 25),
        "Bekabad": (3, 11, 16),
        "Ohangaron": (6, 10, 18),
        "Yangiyul": (4, 15, 27),
        "Nurafshon": (1, 2),
        "Zangiota": (8, 24, 39),
        "Qibray": (6, 12, 30),
        "Parkent": (3, 26, 41),
        "Bostanliq": (7, 19, 33),
        "Yuqorichirchiq": (5, 22),
        "Piskent": (10, 28),
        "Chinoz": (1, 19),
        "Oqqo'rg'on": (14,),
    },
    applications=(
        Application(
            organization_name="General Secondary School No. 31, Piskent", kind="school", district="Piskent",
            contact_name="Umida Ergasheva", contact_email="school31.piskent@example.org",
            contact_phone="+998 70 512 31 31",
            motivation="We would like to join the network course on STEM teaching and to use the "
                       "chemistry laboratory of CSPU with our grade 10 and 11 pupils.",
        ),
        Application(
            organization_name="Chinoz Agro-Industrial Technical School", kind="college", district="Chinoz",
            contact_name="Jamshid Normatov", contact_email="agro.chinoz@example.org",
            contact_phone="+998 70 583 12 40",
            motivation="Dual education in agronomy and farm machinery with the district's farms; "
                       "professional development for our masters of industrial training.",
        ),
    ),
    suspensions=(
        Suspension(
            organization="tech-yangiyul", effective_on=datetime.date(2026, 2, 1),
            reason="Suspended by the cluster council: no report on the agreed dual-education "
                   "programme for two consecutive terms, and the partnership agreement was not "
                   "renewed. Membership resumes once the report is submitted.",
        ),
    ),
)

SAMARKAND = ClusterSpec(
    slug="samarkand-region",
    name="Samarkand region pedagogical cluster",
    region="Samarkand region",
    goals=(
        "A network of Samarkand State University, the regional in-service training institute and "
        "the region's schools and technical schools: mentoring for young teachers, shared "
        "university laboratories and professional development in foreign languages and STEM."
    ),
    centre="samsu",
    tax_id_base=302_450_000,
    primary_colour="#1e3a8a",  # indigo, white text 10.4:1
    accent_colour="#2ab7ca",  # the turquoise of Samarkand's tiles
    phone_code="66",
    founded_on=datetime.date(2024, 9, 1),
    organizations=(
        Org("samsu", "university", "Samarkand State University named after Sharof Rashidov", "SamSU", "Samarkand",
            cluster_role="centre", website="https://samdu.uz", joined_on=datetime.date(2024, 9, 1),
            specialisations="Classical university; pedagogy, philology, natural sciences",
            staff=(("Vice-rector for academic affairs", ""),
                   ("Head of the Department of Pedagogy and Psychology", "Pedagogy"))),
        Org("sam-iro", "iro", "Samarkand Region Institute for Retraining and Advanced Training of Public "
            "Education Staff", "Samarkand Region IRO", "Samarkand", joined_on=datetime.date(2024, 9, 1),
            specialisations="Professional development courses for teachers and school leaders",
            staff=(("Director", ""), ("Senior methodologist", "Foreign languages"))),
        Org("sam-authority", "authority", "Department of Preschool and School Education of Samarkand Region",
            "Samarkand regional education department", "Samarkand", joined_on=datetime.date(2024, 9, 1),
            staff=(("Head of the department", ""),)),
        Org("sam-tourism", "college", "Samarkand Technical School of Tourism and Service",
            "Samarkand Tourism Technical School", "Samarkand", joined_on=datetime.date(2025, 3, 1),
            specialisations="Hospitality; guiding; culinary arts",
            staff=(("Director", ""),)),
        Org("samavto", "enterprise", "SamAvto JSC", "SamAvto", "Samarkand", cluster_role="associate",
            joined_on=datetime.date(2025, 3, 1),
            specialisations="Buses and trucks; internships in mechanical engineering",
            staff=(("Head of the training centre", ""),)),
    ),
    applications=(
        Application(
            organization_name="General Secondary School No. 46, Payariq", kind="school", district="Payariq",
            contact_name="Hilola Sobirova", contact_email="school46.payariq@example.org",
            contact_phone="+998 66 451 46 46",
            motivation="Our English teachers would like to attend the SamSU professional development "
                       "course and to take part in the mentoring programme for young teachers.",
        ),
    ),
    schools={
        "Samarkand": (5, 21, 37),
        "Urgut": (14,),
        "Kattakurgan": (3,),
        "Pastdargom": (22,),
        "Bulungur": (9,),
        "Jomboy": (11,),
    },
)

CLUSTERS = (TASHKENT, SAMARKAND)

DEMO_USERS = (
    DemoUser("coordinator", "tashkent-region", "coordinator", "Nodira Yusupova",
             "Head of the regional pedagogical cluster office", "cspu"),
    DemoUser("institution", "tashkent-region", "admin", "Rustam Karimov", "Director",
             "school:Chirchik:12"),
    DemoUser("expert", "tashkent-region", "expert", "Feruza Alimova", "Senior methodologist", "iro",
             subject="Methods of teaching mathematics"),
    DemoUser("authority", "tashkent-region", "authority", "Bakhtiyor Rashidov",
             "Chief specialist for general secondary education", "authority"),
    DemoUser("coordinator2", "samarkand-region", "coordinator", "Shahnoza Nazarova",
             "Head of the cluster coordination centre", "samsu"),
)


def school_key(district: str, number: int) -> str:
    return f"school:{district}:{number}"


def school_name(district: str, number: int) -> str:
    return f"General Secondary School No. {number}, {district}"


# The districts as Russian and Uzbek write them, for the schools' names in those languages.
DISTRICT_NAMES = {
    "Chirchik": ("Чирчик", "Chirchiq"), "Angren": ("Ангрен", "Angren"), "Almalyk": ("Алмалык", "Olmaliq"),
    "Bekabad": ("Бекабад", "Bekobod"), "Ohangaron": ("Ахангаран", "Ohangaron"), "Yangiyul": ("Янгиюль", "Yangiyoʻl"),
    "Nurafshon": ("Нурафшан", "Nurafshon"), "Zangiota": ("Зангиата", "Zangiota"), "Qibray": ("Кибрай", "Qibray"),
    "Parkent": ("Паркент", "Parkent"), "Bostanliq": ("Бостанлык", "Boʻstonliq"),
    "Yuqorichirchiq": ("Юкоричирчик", "Yuqorichirchiq"), "Piskent": ("Пскент", "Piskent"),
    "Chinoz": ("Чиназ", "Chinoz"), "Oqqo'rg'on": ("Аккурган", "Oqqoʻrgʻon"), "Tashkent": ("Ташкент", "Toshkent"),
    "Samarkand": ("Самарканд", "Samarqand"), "Urgut": ("Ургут", "Urgut"), "Kattakurgan": ("Каттакурган", "Kattaqoʻrgʻon"),
    "Pastdargom": ("Пастдаргом", "Pastdargʻom"), "Bulungur": ("Булунгур", "Bulungʻur"), "Jomboy": ("Джамбай", "Jomboy"),
}


def school_name_translations(district: str, number: int) -> dict[str, str]:
    russian, uzbek = DISTRICT_NAMES[district]
    return {"ru": f"Общеобразовательная школа № {number}, {russian}",
            "uz": f"{number}-son umumiy oʻrta taʼlim maktabi ({uzbek})"}


def school_short_name(district: str, number: int) -> str:
    return f"School No. {number} ({district})"


def rating_periods(today: datetime.date, count: int = RATING_PERIODS) -> list[datetime.date]:
    """The `count` latest half-year periods (starting 1 March or 1 September) up to today, oldest first."""
    starts = []
    year = today.year
    candidates = [datetime.date(year, 9, 1), datetime.date(year, 3, 1)]
    while len(starts) < count:
        for start in candidates:
            if start <= today and len(starts) < count:
                starts.append(start)
        year -= 1
        candidates = [datetime.date(year, 9, 1), datetime.date(year, 3, 1)]
    return sorted(starts)


def colour_for(score: float) -> str:
    if score >= GREEN_FROM:
        return "green"
    if score >= YELLOW_FROM:
        return "yellow"
    return "red"
