"""The demo resources and the shape of their bookings, as data: read by `seed_demo`.
Organizations are named by their `key` in members/demo_data.py; a resource is identified by
its owner and its name (`seed_demo` skips one already there).

The bookings are not listed one by one: `seed_demo` draws them from each resource's grid of
slots (its opening intervals cut into slots of `slot_hours`), with a random generator seeded by
the cluster's slug, over the BOOKING_WINDOW days around the seed day. Each slot is used at most
once, so no two bookings of a resource overlap, and every slot lies within the opening hours,
off the closed dates. Holidays are counted from the seed day's year, like everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

# Days before and after the seed day in which the demo bookings fall.
BOOKING_WINDOW = (-91, 61)

WEEKDAYS = (0, 1, 2, 3, 4)
WEEKDAYS_AND_SATURDAY = (0, 1, 2, 3, 4, 5)

# (weekdays, opens, closes) intervals, local time.
OFFICE_HOURS = ((WEEKDAYS, "09:00", "18:00"),)
UNIVERSITY_HOURS = ((WEEKDAYS, "09:00", "18:00"), ((5,), "09:00", "13:00"))
ENTERPRISE_HOURS = ((WEEKDAYS, "09:00", "17:00"),)
AFTER_LESSONS = ((WEEKDAYS_AND_SATURDAY, "14:00", "20:00"),)
LIBRARY_HOURS = ((WEEKDAYS_AND_SATURDAY, "08:30", "19:30"),)
CONSULTING_HOURS = (((1, 3), "14:00", "18:00"),)
ROUND_THE_CLOCK = ()

# Public holidays of Uzbekistan (month, day, name): the resources with weekly hours are closed.
HOLIDAYS = (
    (1, 1, "New Year's Day"),
    (3, 8, "International Women's Day"),
    (3, 21, "Navruz"),
    (5, 9, "Day of Remembrance and Honour"),
    (9, 1, "Independence Day"),
    (10, 1, "Teachers' and Mentors' Day"),
    (12, 8, "Constitution Day"),
)


@dataclass(frozen=True)
class Closure:
    """Days a resource is closed besides the holidays: `days` from the seed day, inclusive."""

    first: int
    last: int
    reason: str


@dataclass(frozen=True)
class DemoResource:
    owner: str  # the organization's key
    name: str
    kind: str
    capacity: int
    location: str
    description: str
    hours: tuple = OFFICE_HOURS  # ROUND_THE_CLOCK: open round the clock
    terms: str = "free"
    price: str | None = None  # UZS
    price_unit: str = ""
    access: str = "cluster"  # "agreement": members with an active resource-sharing agreement
    # Who books it (organization keys, or "@schools", "@schools:<district>", "@colleges"); a
    # resource open to agreement members is booked by the parties of those agreements instead.
    borrowers: tuple[str, ...] = ("@schools",)
    bookings: int = 7  # how many demo bookings of its own, over the whole window
    slot_hours: int = 2  # the length of a booking (for round-the-clock ones: see `stay_days`)
    stay_days: tuple[int, int] = (2, 5)  # round the clock: a stay of this many days, from 14:00 to 12:00
    managers: tuple[str, ...] = ()  # demo usernames named managers (people of the owner with an account)
    # The borrower (an organization key) who asks for its first future booking, the request left
    # waiting (FUTURE_STATUSES begin with it): a demo login's own request, whatever the seed day.
    first_request_by: str = ""
    closures: tuple[Closure, ...] = ()

    @property
    def always_open(self) -> bool:
        return self.hours == ROUND_THE_CLOCK


@dataclass(frozen=True)
class Bundle:
    """Resources of one owner booked together, as one request, `bookings` times."""

    owner: str
    names: tuple[str, ...]
    bookings: int = 4


CSPU_SCHOOLS = ("@schools:Chirchik", "@schools:Yuqorichirchiq", "@schools:Qibray", "@schools:Parkent",
                "@schools:Bostanliq")
TECH = ("tech-chirchik", "tech-almalyk", "tech-angren", "tech-bekabad")

TASHKENT_RESOURCES: tuple[DemoResource, ...] = (
    # --- Chirchik State Pedagogical University -----------------------------------------------
    DemoResource("cspu", "Chemistry laboratory", "laboratory", 24, "Main building, room 214",
                 "A teaching laboratory with 12 fume-hood workplaces, reagents for the school "
                 "curriculum and a laboratory assistant.", hours=UNIVERSITY_HOURS,
                 borrowers=CSPU_SCHOOLS + ("tech-chirchik", "iro"), bookings=12),
    DemoResource("cspu", "Physics laboratory", "laboratory", 24, "Main building, room 118",
                 "Mechanics, optics and electricity kits for 12 pairs of pupils.", hours=UNIVERSITY_HOURS,
                 access="agreement", bookings=9),
    DemoResource("cspu", "Biology laboratory", "laboratory", 20, "Building 3, room 22",
                 "Preparation tables, herbarium and collections of the natural sciences faculty.",
                 hours=UNIVERSITY_HOURS, access="agreement", bookings=8),
    DemoResource("cspu", "Set of 20 student microscopes", "equipment", 20, "Building 3, room 22",
                 "Light microscopes with 40x-1000x magnification and prepared slides.",
                 hours=UNIVERSITY_HOURS, access="agreement", bookings=2),
    DemoResource("cspu", "Digital spectrophotometer", "equipment", 12, "Main building, room 214",
                 "A UV-visible spectrophotometer with a projector connection for demonstrations.",
                 hours=UNIVERSITY_HOURS, borrowers=CSPU_SCHOOLS, bookings=2),
    DemoResource("cspu", "Robotics and STEM studio", "laboratory", 16, "Building 2, room 301",
                 "LEGO Education and Arduino kits, 3D printers and a laser cutter.", hours=UNIVERSITY_HOURS,
                 borrowers=CSPU_SCHOOLS, bookings=10),
    DemoResource("cspu", "Lecture hall No. 1", "classroom", 120, "Main building, ground floor",
                 "A tiered hall with a projector and sound system.", borrowers=("iro", "authority", "ziyo", "rips"),
                 bookings=6, slot_hours=3),
    DemoResource("cspu", "Seminar room 305", "classroom", 30, "Main building, room 305",
                 "Movable desks for group work, an interactive whiteboard.",
                 borrowers=("iro", "ziyo", "@schools:Chirchik"), bookings=7),
    DemoResource("cspu", "Computer class 410", "classroom", 25, "Main building, room 410",
                 "25 computers with office software, GeoGebra and Python.", hours=UNIVERSITY_HOURS,
                 borrowers=CSPU_SCHOOLS + ("iro",), bookings=9),
    DemoResource("cspu", "Classroom with an observation room", "classroom", 25, "Building 2, room 105",
                 "A classroom with a one-way mirror and cameras for observing lessons.",
                 borrowers=("iro", "rips", "ziyo"), bookings=5),
    DemoResource("cspu", "Assembly hall", "hall", 400, "Main building",
                 "The university's assembly hall with a stage, 400 seats and simultaneous interpretation.",
                 terms="cost_recovery", price="350000", price_unit="per_hour",
                 borrowers=("iro", "authority", "ziyo", "@schools:Chirchik"), bookings=5, slot_hours=3),
    DemoResource("cspu", "Sports hall", "hall", 60, "Sports building",
                 "A hall for basketball, volleyball and mini-football, with changing rooms.",
                 hours=AFTER_LESSONS, borrowers=("@schools:Chirchik", "tech-chirchik"), bookings=8),
    DemoResource("cspu", "Reading room of the university library", "library", 80, "Library building, 2nd floor",
                 "Pedagogy, methodology and subject literature in Uzbek, Russian and English; e-catalogue.",
                 hours=LIBRARY_HOURS, borrowers=CSPU_SCHOOLS + ("iro",), bookings=6),
    DemoResource("cspu", "Moodle distance-learning platform", "digital", 200, "https://lms.cspu.uz",
                 "Course spaces on the university's Moodle for network courses, a week at a time.",
                 hours=ROUND_THE_CLOCK, borrowers=("iro", "ziyo", "tech-chirchik"), bookings=4,
                 stay_days=(7, 7)),
    DemoResource("cspu", "Expert time: methods of teaching chemistry", "expert_time", 30, "Main building, room 220",
                 "An associate professor observes and discusses lessons or consults teachers of chemistry.",
                 hours=CONSULTING_HOURS, borrowers=CSPU_SCHOOLS, bookings=6, slot_hours=1),
    DemoResource("cspu", "Guest rooms of dormitory No. 2", "dormitory", 40, "Dormitory No. 2, Chirchik",
                 "Rooms for teachers on courses at the university, two or three to a room.",
                 hours=ROUND_THE_CLOCK, terms="cost_recovery", price="80000", price_unit="per_day",
                 borrowers=("iro", "@schools:Bostanliq", "@schools:Angren", "tech-angren"), bookings=9),
    # --- Regional in-service training institute (IRO) ------------------------------------------
    DemoResource("iro", "Training room A", "classroom", 40, "IRO, Nurafshon, room 12",
                 "A training room for course groups, with a projector and flip charts.",
                 borrowers=("cspu", "ziyo", "authority", "rips"), bookings=7, slot_hours=3),
    DemoResource("iro", "Training room B", "classroom", 30, "IRO, Nurafshon, room 14",
                 "A training room with tables for group work.", borrowers=("cspu", "ziyo", "@schools:Nurafshon"),
                 bookings=6, slot_hours=3),
    DemoResource("iro", "Conference hall", "hall", 150, "IRO, Nurafshon",
                 "Conference hall with video link to the district education departments.",
                 borrowers=("authority", "cspu", "rips", "ziyo"), bookings=5, slot_hours=3),
    DemoResource("iro", "Distance-learning studio", "equipment", 6, "IRO, Nurafshon, room 3",
                 "A recording studio with cameras, lights and a teleprompter for video lessons.",
                 borrowers=("cspu", "rips", "@schools:Nurafshon"), bookings=5,
                 closures=(Closure(1, 10, "Renovation of the studio"),)),
    DemoResource("iro", "Licences of the online course platform", "digital", 300, "https://online.iro.uz",
                 "Seats on the IRO's online course platform for a school's teachers, a week at a time.",
                 hours=ROUND_THE_CLOCK, terms="cost_recovery", price="25000", price_unit="per_booking",
                 borrowers=("@schools",), bookings=5, stay_days=(7, 7)),
    DemoResource("iro", "Methodological library", "library", 40, "IRO, Nurafshon, room 20",
                 "Methodological guides, lesson plans and the textbooks of every grade.",
                 borrowers=("@schools:Nurafshon", "@schools:Zangiota", "@schools:Piskent"), bookings=4),
    DemoResource("iro", "Expert time: methodologist for primary education", "expert_time", 25,
                 "IRO, Nurafshon, room 8", "A senior methodologist visits lessons in grades 1-4 and advises.",
                 hours=CONSULTING_HOURS, borrowers=("@schools",), bookings=6, slot_hours=1),
    # --- Kori Niyoziy Institute ------------------------------------------------------------------
    DemoResource("rips", "Expert time: didactics researcher", "expert_time", 30, "Tashkent, Institute, room 41",
                 "A leading researcher in didactics reviews innovation projects and lesson plans.",
                 hours=CONSULTING_HOURS, borrowers=("cspu", "iro", "ziyo", "@schools:Chirchik"), bookings=6,
                 slot_hours=1),
    DemoResource("rips", "Expert time: assessment of learning outcomes", "expert_time", 30,
                 "Tashkent, Institute, room 45",
                 "A senior researcher helps schools design tests and analyse their results.",
                 hours=CONSULTING_HOURS, terms="cost_recovery", price="150000", price_unit="per_hour",
                 borrowers=("iro", "@schools"), bookings=5, slot_hours=1),
    DemoResource("rips", "Research library of pedagogy", "library", 30, "Tashkent, Institute, 1st floor",
                 "Dissertations, journals and the archive of curricula since 1991.",
                 borrowers=("cspu", "iro", "misis"), bookings=4),
    DemoResource("rips", "Textbook analysis software", "digital", 20, "Online",
                 "Licences of readability and curriculum-alignment software for textbook authors.",
                 hours=ROUND_THE_CLOCK, borrowers=("cspu", "iro"), bookings=3, stay_days=(7, 7)),
    # --- NUST MISIS Almalyk ------------------------------------------------------------------------
    DemoResource("misis", "Computer class 1", "classroom", 24, "Almalyk branch, room 201",
                 "24 workstations with mining-design and office software.", hours=UNIVERSITY_HOURS,
                 borrowers=("@schools:Almalyk", "tech-almalyk"), bookings=8),
    DemoResource("misis", "Computer class 2", "classroom", 24, "Almalyk branch, room 203",
                 "24 workstations; programming environments for informatics lessons.", hours=UNIVERSITY_HOURS,
                 borrowers=("@schools:Almalyk", "@schools:Ohangaron"), bookings=8),
    DemoResource("misis", "Mineral processing laboratory", "laboratory", 15, "Almalyk branch, laboratory block",
                 "Crushing, grinding and sieving equipment for ore samples.",
                 borrowers=("tech-almalyk", "@schools:Almalyk"), bookings=6),
    DemoResource("misis", "Laboratory flotation machine", "equipment", 10, "Almalyk branch, laboratory block",
                 "A 3-litre flotation cell for demonstrating copper-ore concentration.",
                 borrowers=("tech-almalyk",), bookings=2),
    DemoResource("misis", "Assembly hall", "hall", 200, "Almalyk branch",
                 "An assembly hall for olympiads, conferences and career days.",
                 borrowers=("@schools:Almalyk", "tech-almalyk", "almalyk-mmc"), bookings=4, slot_hours=3),
    # --- Technical schools -------------------------------------------------------------------------
    DemoResource("tech-chirchik", "Chemical analysis laboratory", "laboratory", 20, "Chirchik, laboratory block",
                 "Titration, pH-metry and water analysis for 10 pairs of students.",
                 borrowers=("@schools:Chirchik", "cspu"), bookings=7),
    DemoResource("tech-chirchik", "Gas chromatograph", "equipment", 8, "Chirchik, laboratory block",
                 "A gas chromatograph for analysing the composition of industrial samples.",
                 borrowers=("cspu",), bookings=2),
    DemoResource("tech-chirchik", "Sports hall", "hall", 50, "Chirchik, sports building",
                 "Sports hall with a gym.", hours=AFTER_LESSONS, borrowers=("@schools:Chirchik",), bookings=6,
                 first_request_by="school:Chirchik:12"),
    DemoResource("tech-chirchik", "Student dormitory", "dormitory", 30, "Chirchik, dormitory",
                 "Rooms for students on internships and for visiting groups.", hours=ROUND_THE_CLOCK,
                 terms="cost_recovery", price="45000", price_unit="per_day",
                 borrowers=("tech-angren", "tech-bekabad", "tech-almalyk"), bookings=6),
    DemoResource("tech-almalyk", "Metalworking training workshop", "laboratory", 16, "Almalyk, workshop block",
                 "Benches, drills and lathes for the first practical training.",
                 borrowers=("@schools:Almalyk", "misis"), bookings=6, slot_hours=3),
    DemoResource("tech-almalyk", "Mine surveying instruments", "equipment", 10, "Almalyk, room 12",
                 "Theodolites, levels and a total station for field exercises.",
                 borrowers=("misis", "@schools:Almalyk"), bookings=4, slot_hours=3),
    DemoResource("tech-almalyk", "Assembly hall", "hall", 180, "Almalyk, main building",
                 "Assembly hall with a stage.", borrowers=("@schools:Almalyk", "almalyk-mmc"), bookings=4,
                 slot_hours=3),
    DemoResource("tech-angren", "Welding workshop", "laboratory", 12, "Angren, workshop block",
                 "Eight welding posts with extraction; the materials are charged.",
                 terms="cost_recovery", price="120000", price_unit="per_hour",
                 borrowers=("@schools:Angren", "ohangaron-cement"), bookings=6, slot_hours=3),
    DemoResource("tech-angren", "Electrical installation workshop", "laboratory", 16, "Angren, workshop block",
                 "Training stands for wiring, meters and motor control.",
                 borrowers=("@schools:Angren", "@schools:Ohangaron"), bookings=6, slot_hours=3),
    DemoResource("tech-angren", "Library", "library", 35, "Angren, main building",
                 "Technical literature and a reading room.", borrowers=("@schools:Angren",), bookings=3),
    DemoResource("tech-bekabad", "Metallography laboratory", "laboratory", 14, "Bekabad, laboratory block",
                 "Metallographic microscopes and sample preparation.",
                 borrowers=("@schools:Bekabad", "uzmet"), bookings=6),
    DemoResource("tech-bekabad", "Lathe workshop", "laboratory", 12, "Bekabad, workshop block",
                 "Six lathes and two milling machines.", borrowers=("@schools:Bekabad",), bookings=5,
                 slot_hours=3),
    # --- Enterprises ---------------------------------------------------------------------------------
    DemoResource("almalyk-mmc", "Underground mining simulator", "equipment", 8, "Training centre, Almalyk",
                 "A full-size simulator of a load-haul-dump machine.", hours=ENTERPRISE_HOURS,
                 terms="cost_recovery", price="450000", price_unit="per_hour",
                 borrowers=("tech-almalyk", "misis"), bookings=6),
    DemoResource("almalyk-mmc", "Training centre classroom", "classroom", 30, "Training centre, Almalyk",
                 "A classroom for safety briefings and lectures by the combine's engineers.",
                 hours=ENTERPRISE_HOURS, borrowers=("tech-almalyk", "misis", "@schools:Almalyk"), bookings=6),
    DemoResource("almalyk-mmc", "Guided visit of the copper concentrating plant", "expert_time", 25,
                 "Copper concentrating plant, Almalyk",
                 "An engineer of the plant leads a group through the crushing and flotation shops.",
                 hours=(((2,), "10:00", "13:00"),), borrowers=("@schools:Almalyk", "tech-almalyk", "misis"),
                 bookings=5, slot_hours=3),
    DemoResource("almalyk-mmc", "Assay laboratory", "laboratory", 10, "Central laboratory, Almalyk",
                 "Demonstration of assaying copper, gold and silver in ore samples.", hours=ENTERPRISE_HOURS,
                 terms="cost_recovery", price="600000", price_unit="per_booking",
                 borrowers=("misis", "tech-almalyk"), bookings=4),
    DemoResource("almalyk-mmc", "Conference hall", "hall", 120, "Administration building, Almalyk",
                 "Conference hall for career days and meetings with students.", hours=ENTERPRISE_HOURS,
                 borrowers=("misis", "tech-almalyk", "@schools:Almalyk"), bookings=4, slot_hours=3),
    DemoResource("uzmet", "Training workshop of the steelmaking shop", "laboratory", 15, "Steelmaking shop, Bekabad",
                 "A training area beside the electric arc furnaces, with a mentor.", hours=ENTERPRISE_HOURS,
                 borrowers=("tech-bekabad", "misis"), bookings=6, slot_hours=4),
    DemoResource("uzmet", "Welding simulators", "equipment", 10, "Training centre, Bekabad",
                 "Five virtual-reality welding simulators.", hours=ENTERPRISE_HOURS,
                 terms="cost_recovery", price="200000", price_unit="per_hour",
                 borrowers=("tech-bekabad", "@schools:Bekabad"), bookings=5),
    DemoResource("uzmet", "Expert time: metallurgical engineer", "expert_time", 20, "Training centre, Bekabad",
                 "A process engineer gives talks on steelmaking and careers in metallurgy.",
                 hours=CONSULTING_HOURS, borrowers=("tech-bekabad", "@schools:Bekabad"), bookings=4, slot_hours=1),
    DemoResource("maxam", "Training chemistry laboratory", "laboratory", 30, "Maxam-Chirchiq, training centre",
                 "A laboratory of the plant's training centre for laboratory days with pupils.",
                 hours=(((1, 3), "10:00", "16:00"),), access="agreement", bookings=8),
    DemoResource("maxam", "Gas chromatograph-mass spectrometer", "equipment", 6, "Maxam-Chirchiq, central laboratory",
                 "Demonstrations of the analysis of fertiliser samples.", hours=(((1, 3), "10:00", "16:00"),),
                 access="agreement", bookings=2),
    DemoResource("maxam", "Industrial safety classroom", "classroom", 30, "Maxam-Chirchiq, training centre",
                 "Safety briefing room with protective equipment and evacuation drills.",
                 hours=ENTERPRISE_HOURS, borrowers=("tech-chirchik", "@schools:Chirchik"), bookings=5),
    DemoResource("ohangaron-cement", "Electrical equipment test bench", "equipment", 8, "Ohangaronsement, power shop",
                 "A bench for testing motors, switchgear and relay protection.", hours=ENTERPRISE_HOURS,
                 borrowers=("tech-angren",), bookings=5, slot_hours=4),
    DemoResource("ohangaron-cement", "Cement quality laboratory", "laboratory", 12, "Ohangaronsement, laboratory",
                 "Strength and setting-time tests of cement and concrete.", hours=ENTERPRISE_HOURS,
                 borrowers=("tech-angren", "@schools:Ohangaron"), bookings=4),
    # --- Ziyo association ------------------------------------------------------------------------------
    DemoResource("ziyo", "Expert time: master classes for young teachers", "expert_time", 30, "Chirchik, Ziyo office",
                 "An experienced teacher of the association gives a master class at the school.",
                 hours=((WEEKDAYS_AND_SATURDAY, "14:00", "18:00"),), borrowers=("@schools", "iro"), bookings=6),
    # --- Schools -------------------------------------------------------------------------------------
    DemoResource("school:Chirchik:12", "Robotics classroom", "classroom", 20, "School No. 12, room 31",
                 "Robotics kits and computers; the teacher of technology leads the club.", hours=AFTER_LESSONS,
                 borrowers=("@schools:Chirchik",), bookings=9, managers=("institution",)),
    DemoResource("school:Chirchik:12", "Assembly hall", "hall", 250, "School No. 12",
                 "Assembly hall with a stage and 250 seats.", hours=AFTER_LESSONS,
                 borrowers=("@schools:Chirchik", "dmtt-12", "ziyo"), bookings=6, slot_hours=3),
    DemoResource("school:Chirchik:12", "Sports hall", "hall", 60, "School No. 12",
                 "Sports hall for games and gymnastics.", hours=AFTER_LESSONS,
                 borrowers=("@schools:Chirchik", "dmtt-12"), bookings=7,
                 closures=(Closure(8, 10, "Floor repairs"),)),
    DemoResource("school:Chirchik:17", "Physics classroom", "classroom", 28, "School No. 17, room 12",
                 "A physics classroom with a demonstration table and digital sensors.", hours=AFTER_LESSONS,
                 borrowers=("@schools:Chirchik",), bookings=5, first_request_by="school:Chirchik:12"),
    DemoResource("school:Almalyk:5", "Informatics classroom", "classroom", 24, "School No. 5, room 40",
                 "24 computers and a projector.", hours=AFTER_LESSONS,
                 borrowers=("@schools:Almalyk",), bookings=5),
    DemoResource("dmtt-12", "Sensory play room", "classroom", 12, "Preschool No. 12",
                 "A sensory room for children with special educational needs.",
                 hours=((WEEKDAYS, "15:00", "18:00"),), borrowers=("@schools:Chirchik", "cspu"), bookings=4,
                 slot_hours=1),
)

TASHKENT_BUNDLES: tuple[Bundle, ...] = (
    Bundle("cspu", ("Chemistry laboratory", "Digital spectrophotometer")),
    Bundle("cspu", ("Biology laboratory", "Set of 20 student microscopes")),
    Bundle("misis", ("Mineral processing laboratory", "Laboratory flotation machine")),
    Bundle("tech-chirchik", ("Chemical analysis laboratory", "Gas chromatograph"), bookings=3),
    Bundle("maxam", ("Training chemistry laboratory", "Gas chromatograph-mass spectrometer"), bookings=3),
)

RESOURCES: dict[str, tuple[DemoResource, ...]] = {"tashkent-region": TASHKENT_RESOURCES}
BUNDLES: dict[str, tuple[Bundle, ...]] = {"tashkent-region": TASHKENT_BUNDLES}

# What the bookings are for, by the kind of resource.
PURPOSES = {
    "laboratory": (
        "Practical lesson in chemistry for grade 9",
        "Laboratory work in physics for grade 10",
        "Preparation of pupils for the regional olympiad",
        "Practical training of second-year students",
        "Open lesson for teachers of the district",
        "Pupils' research projects for the science fair",
    ),
    "classroom": (
        "Informatics lesson for grade 11",
        "Workshop of the network course on formative assessment",
        "Meeting of the district methodological association",
        "Club lesson for pupils of grades 6-8",
        "Training of mentors of young teachers",
    ),
    "equipment": (
        "Demonstration for the practical lesson",
        "Practical training of the dual-education group",
        "Measurements for the pupils' research project",
    ),
    "hall": (
        "District stage of the subject olympiad",
        "Career day with the enterprises of the region",
        "Seminar for school leaders",
        "Sports competition between schools",
        "Graduation concert rehearsal",
    ),
    "library": (
        "Library lesson for grade 8",
        "Work of teachers on the certification portfolios",
        "Reading club of young teachers",
    ),
    "digital": (
        "Network course for teachers of mathematics",
        "Online course on inclusive education",
        "Distance module of the professional development course",
    ),
    "expert_time": (
        "Observation and analysis of open lessons",
        "Consultation on the school's innovation project",
        "Master class for the school's teachers",
        "Review of the lesson plans of young teachers",
    ),
    "dormitory": (
        "Accommodation of teachers attending the course",
        "Accommodation of the technical school's internship group",
        "Accommodation of olympiad participants from the districts",
    ),
}

DECLINE_REASONS = (
    "The laboratory assistant is on leave that week; please choose another date.",
    "The room is needed for the university's own examinations on that day.",
    "The group is larger than the safety rules allow for this workshop; please split it in two.",
    "The equipment is being calibrated; it will be available again next month.",
    "The hall is being prepared for a regional event.",
)

# The statuses given in turn to each resource's bookings that ended before the seed moment
# (starting anywhere in the cycle) and to those that begin after it (starting with a request
# waiting for a decision, so each resource with future bookings has one).
PAST_STATUSES = ("completed", "completed", "cancelled", "completed", "completed", "declined", "completed",
                 "completed")
FUTURE_STATUSES = ("requested", "approved", "approved", "declined", "approved", "cancelled", "requested",
                   "approved")
PAST_SHARE = 0.6  # of each resource's bookings, the share that ended before the seed moment
