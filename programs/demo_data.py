"""The demo programmes and employer needs as data, read by `seed_demo`.

Dates are offsets in days from the seed day, so a demo database seeded on any day holds
finished programmes (with attendance, scores and certificates), running ones (attendance so
far, pre-assessment scores), open ones (enrolments, a waiting list, applications awaiting
their admin), planned ones and a cancelled one. Organizations are the `key`s of
members.demo_data; "@schools", "@schools:<district>" and "@colleges" name pools of people.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DemoProgram:
    title: str
    kind: str
    lead: str
    status: str  # planned / open / running / completed / cancelled
    start: int  # days from the seed day
    end: int
    capacity: int
    hours: int
    competences: tuple[str, ...]
    partners: tuple[str, ...] = ()
    audience: str = ""
    description: str = ""
    sessions: int = 4  # spread over the programme's days
    times: tuple[str, str] = ("14:00", "17:00")
    venue: str = ""
    participants: int = 0  # enrolled by their admins (beyond the capacity: the waiting list)
    pools: tuple[str, ...] = ("@schools",)
    institution_teachers: int = 0  # teachers of the "institution" login's school among them
    applications: int = 0  # applications of that school's teachers awaiting its admin
    withdrawals: int = 0  # participants who withdraw (open and running programmes)
    priority_share: int = 0
    min_attendance_percent: int = 80
    pass_score: int | None = None  # with a post-assessment
    # (owner key, resource name) the lead books for the sessions still to come: another member's
    # resource, requested under the booking rules.
    book: tuple[str, str] | None = None
    reason: str = ""  # why it was cancelled


INSTITUTION_SCHOOL = "school:Chirchik:12"

PROGRAMS: dict[str, tuple[DemoProgram, ...]] = {
    "tashkent-region": (
        # --- completed ---------------------------------------------------------------------------
        DemoProgram(
            "Modern School: digital tools in the classroom", "professional_development", "iro", "completed",
            start=-120, end=-92, capacity=20, hours=36, competences=("digital", "subject_methods"),
            partners=("cspu",), audience="Teachers of general secondary schools",
            description="The \"Modern School\" project's course: electronic journals, GeoGebra, online "
                        "tests and video lessons, with a lesson plan defended at the end.",
            sessions=6, venue="Tashkent Region IRO, computer class 2", participants=18, institution_teachers=2,
            pass_score=60,
        ),
        DemoProgram(
            "Inclusive education in the general school", "professional_development", "iro", "completed",
            start=-75, end=-52, capacity=15, hours=24, competences=("inclusive", "psychology"),
            partners=("rips",), audience="Teachers and deputy directors",
            description="Individual learning plans, adapted assessment and working with families.",
            sessions=5, venue="Tashkent Region IRO, room 12", participants=15, min_attendance_percent=75,
        ),
        DemoProgram(
            "Methods of teaching chemistry with the university laboratory", "professional_development", "cspu",
            "completed", start=-60, end=-33, capacity=12, hours=30, competences=("stem", "subject_methods"),
            partners=("maxam", "tech-chirchik"), audience="Chemistry teachers",
            description="School practicals in the CSPU chemistry laboratory and at the Maxam-Chirchiq "
                        "analytical laboratory.",
            sessions=5, venue="CSPU, main building, room 214", participants=12, pools=("@schools:Chirchik",
                                                                                          "@schools"),
            institution_teachers=1, pass_score=65,
        ),
        DemoProgram(
            "Dual education: chemical technology with Maxam-Chirchiq", "internship", "tech-chirchik", "completed",
            start=-100, end=-40, capacity=10, hours=72, competences=("vocational", "stem"),
            partners=("maxam",), audience="Masters of industrial training and chemistry teachers",
            description="Practice at the fertiliser plant with a mentor, for those who teach the technical "
                        "school's dual-education groups.",
            sessions=6, times=("09:00", "15:00"), venue="Maxam-Chirchiq training centre", participants=9,
            pools=("@colleges", "@schools:Chirchik"),
        ),
        DemoProgram(
            "Master class: formative assessment in practice", "seminar", "ziyo", "completed",
            start=-20, end=-20, capacity=30, hours=6, competences=("assessment",), partners=("iro",),
            audience="Young teachers (up to 5 years of experience)", sessions=2,
            venue="School No. 12 (Chirchik), assembly hall", participants=24, institution_teachers=2,
        ),
        DemoProgram(
            "Regional teachers' olympiad in mathematics", "olympiad", "cspu", "completed",
            start=-45, end=-44, capacity=40, hours=8, competences=("subject_methods",),
            partners=("authority", "iro"), audience="Mathematics teachers",
            description="Two rounds: problem solving, then a lesson fragment before the jury.",
            sessions=2, times=("10:00", "14:00"), venue="CSPU, lecture hall No. 1", participants=26,
            min_attendance_percent=100, pass_score=50,
        ),
        # --- running -----------------------------------------------------------------------------
        DemoProgram(
            "Pedagogical research: project-based learning in rural schools", "research", "rips", "running",
            start=-60, end=150, capacity=12, hours=120, competences=("research", "subject_methods"),
            partners=("cspu",), audience="Teachers of schools in Bostanliq, Parkent and Chinoz",
            description="A two-term study: each teacher runs three projects with a class and reports on them.",
            sessions=8, venue="Kori Niyoziy Institute, seminar room",
            participants=10, pools=("@schools:Bostanliq", "@schools:Parkent", "@schools:Chinoz", "@schools"),
        ),
        DemoProgram(
            "Network master's programme: pedagogy and psychology (part-time)", "network_degree", "cspu",
            "running", start=-80, end=600, capacity=25, hours=1200, competences=("psychology", "research"),
            partners=("iro",), audience="Teachers with a bachelor's degree",
            description="Two years part-time; CSPU teaches, the IRO counts the courses towards certification.",
            sessions=10, times=("10:00", "13:00"), venue="CSPU, main building", participants=22,
            institution_teachers=1,
        ),
        DemoProgram(
            "School leadership for schools rated red and yellow", "professional_development", "iro", "running",
            start=-14, end=30, capacity=16, hours=40, competences=("leadership",), partners=("authority",),
            audience="Directors and deputy directors", sessions=6, venue="Tashkent Region IRO, room 5",
            participants=16, priority_share=50, pass_score=60, withdrawals=1,
        ),
        DemoProgram(
            "English for STEM teachers (CEFR B1 to B2)", "professional_development", "cspu", "running",
            start=-30, end=45, capacity=20, hours=60, competences=("foreign_languages", "stem"),
            partners=("ziyo",), audience="Teachers of mathematics, physics, chemistry and informatics",
            sessions=10, venue="CSPU, seminar room 305", participants=19, institution_teachers=1,
        ),
        DemoProgram(
            "Internship at Almalyk MMC: mining and metallurgy", "internship", "tech-almalyk", "running",
            start=-21, end=40, capacity=12, hours=96, competences=("vocational",),
            partners=("almalyk-mmc", "misis"), audience="Masters of industrial training and teachers of technology",
            sessions=6, times=("09:00", "15:00"), venue="Almalyk MMC training centre", participants=11,
            pools=("@colleges", "@schools:Almalyk", "@schools"),
        ),
        # --- open --------------------------------------------------------------------------------
        DemoProgram(
            "STEM and robotics for primary teachers", "professional_development", "iro", "open",
            start=14, end=45, capacity=10, hours=36, competences=("stem", "digital"), partners=("cspu",),
            audience="Primary-school teachers",
            description="LEGO Education and Arduino in grades 1 to 4, in the university's STEM studio.",
            sessions=5, venue="CSPU, building 2, room 301", participants=13, institution_teachers=1,
            applications=1, priority_share=30, book=("cspu", "Robotics and STEM studio"),
        ),
        DemoProgram(
            "Assessment literacy for subject teachers", "professional_development", "iro", "open",
            start=21, end=50, capacity=24, hours=30, competences=("assessment", "subject_methods"),
            partners=("rips",), audience="Teachers of every subject", sessions=5,
            venue="Tashkent Region IRO, room 12", participants=14, applications=1, withdrawals=1,
        ),
        DemoProgram(
            "Internship at Uzmetkombinat: steelmaking", "internship", "tech-bekabad", "open",
            start=30, end=75, capacity=8, hours=80, competences=("vocational",), partners=("uzmet",),
            audience="Masters of industrial training", sessions=5, times=("09:00", "15:00"),
            venue="Uzmetkombinat, training area of the electric arc furnaces", participants=6,
            pools=("@colleges", "@schools:Bekabad"),
        ),
        DemoProgram(
            "Network bachelor's programme: vocational education", "network_degree", "cspu", "open",
            start=40, end=400, capacity=30, hours=2400, competences=("vocational", "subject_methods"),
            partners=("tech-chirchik", "tech-almalyk"), audience="Masters of industrial training without "
                                                                  "a teaching degree",
            sessions=4, times=("10:00", "13:00"), venue="CSPU, main building", participants=8,
            pools=("@colleges", "@schools"),
        ),
        # --- planned -----------------------------------------------------------------------------
        DemoProgram(
            "Olympiad coaching: physics and chemistry", "olympiad", "cspu", "planned",
            start=60, end=62, capacity=30, hours=18, competences=("stem", "subject_methods"), partners=("ziyo",),
            audience="Teachers who prepare pupils for olympiads", sessions=3, venue="CSPU, physics laboratory",
        ),
        DemoProgram(
            "Energy-saving technologies: practice at Ohangaronsement", "internship", "tech-angren", "planned",
            start=45, end=90, capacity=10, hours=60, competences=("vocational", "stem"),
            partners=("ohangaron-cement",), audience="Teachers of physics and masters of industrial training",
            sessions=4, times=("09:00", "15:00"), venue="Ohangaronsement, laboratory",
        ),
        # --- cancelled ---------------------------------------------------------------------------
        DemoProgram(
            "Psychological well-being of pupils and teachers", "seminar", "iro", "cancelled",
            start=10, end=12, capacity=25, hours=12, competences=("psychology",), partners=("rips",),
            audience="School psychologists and class teachers", sessions=2, venue="Tashkent Region IRO",
            reason="The trainers from the Kori Niyoziy Institute are not available on these dates; the "
                   "seminar will be planned again next term.",
        ),
    ),
}


@dataclass(frozen=True)
class DemoNeed:
    organization: str
    title: str
    competences: tuple[str, ...]
    people_needed: int
    deadline: int  # days from the seed day
    description: str = ""
    programs: tuple[str, ...] = ()  # titles of the programmes that answer it
    closed: bool = False


NEEDS: dict[str, tuple[DemoNeed, ...]] = {
    "tashkent-region": (
        DemoNeed("maxam", "Chemistry teachers ready to teach dual-education groups", ("stem", "vocational"), 5,
                 120, "Teachers who know the plant's processes, for the technical school's dual groups.",
                 programs=("Dual education: chemical technology with Maxam-Chirchiq",
                           "Methods of teaching chemistry with the university laboratory")),
        DemoNeed("almalyk-mmc", "Masters of industrial training in mining and metallurgy", ("vocational",), 10, 150,
                 programs=("Internship at Almalyk MMC: mining and metallurgy",)),
        DemoNeed("uzmet", "Internship mentors for steelmaking students", ("vocational",), 6, 90,
                 programs=("Internship at Uzmetkombinat: steelmaking",)),
        DemoNeed("authority", "Leaders for the schools rated red", ("leadership",), 15, 200,
                 "Every school rated red in the latest period gets a director or deputy trained in "
                 "school improvement.",
                 programs=("School leadership for schools rated red and yellow",)),
        DemoNeed("authority", "A teacher trained in inclusive education in every district", ("inclusive",), 8, 180,
                 programs=("Inclusive education in the general school",)),
        DemoNeed("authority", "Digital literacy for primary-school teachers", ("digital",), 30, 100,
                 programs=("Modern School: digital tools in the classroom", "STEM and robotics for primary teachers")),
        DemoNeed("ohangaron-cement", "Energy-efficiency trainers for the technical schools", ("vocational", "stem"),
                 4, 240),
        DemoNeed("almalyk-mmc", "Guides for pupils' excursions to the open pit", ("vocational",), 2, 30,
                 "Filled by the combine's own staff.", closed=True),
    ),
}
