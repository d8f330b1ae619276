"""The demo innovations as data, read by `seed_demo`.

Each innovation names its origin (a `key` of members.demo_data), the stage it stands in, the
day it was proposed and the day of its last move (days from the seed day, so a demo database
seeded on any day holds two years of history up to yesterday). The moves between them follow
the life cycle's usual path to that stage (`path` spells out the others: archiving, a desk
rejection) with `revisions` rounds sent back to the authors on the way; seed_demo spaces them
by the usual time in each stage, and derives the expert reviews, pilots with their measures and
the adoptions (pilot sites first, then `adopters` more members in each later generation) from
the history, each within the rules the services enforce.
"""

from __future__ import annotations

from dataclasses import dataclass, field

PROPOSED, IN_REVIEW, REVISION, APPROVED, REJECTED = (
    "proposed", "in_review", "revision_requested", "approved_for_pilot", "rejected")
PILOTING, EVALUATED, IMPLEMENTING, DISSEMINATING, ARCHIVED = (
    "piloting", "evaluated", "implementing", "disseminating", "archived")

# The moves after the proposal on the usual way to each stage (archived ones give their path).
PATHS = {
    PROPOSED: (),
    IN_REVIEW: (IN_REVIEW,),
    REVISION: (IN_REVIEW, REVISION),
    APPROVED: (IN_REVIEW, APPROVED),
    REJECTED: (IN_REVIEW, REJECTED),
    PILOTING: (IN_REVIEW, APPROVED, PILOTING),
    EVALUATED: (IN_REVIEW, APPROVED, PILOTING, EVALUATED),
    IMPLEMENTING: (IN_REVIEW, APPROVED, PILOTING, EVALUATED, IMPLEMENTING),
    DISSEMINATING: (IN_REVIEW, APPROVED, PILOTING, EVALUATED, IMPLEMENTING, DISSEMINATING),
}

# The usual days in a stage before the next move (scaled to fit each innovation's dates), and
# the fewest.
STAGE_DAYS = {PROPOSED: 10, IN_REVIEW: 25, REVISION: 30, APPROVED: 35, PILOTING: 160, EVALUATED: 35,
              IMPLEMENTING: 110, DISSEMINATING: 150}
MIN_DAYS = {PROPOSED: 2, IN_REVIEW: 6, REVISION: 4, APPROVED: 8, PILOTING: 60, EVALUATED: 5,
            IMPLEMENTING: 30, DISSEMINATING: 30}


@dataclass(frozen=True)
class DemoInnovation:
    title: str
    origin: str  # organization key
    stage: str
    proposed: int  # days from the seed day
    last: int  # the day of the last move (the proposal's day for a proposal)
    kind: str
    level: str
    fields: tuple[str, ...]
    keywords: tuple[str, ...]
    summary: str
    expected_effect: str = ""
    path: tuple[str, ...] | None = None  # the moves after the proposal, when not PATHS[stage]
    revisions: int = 0  # rounds sent back for revision (and resubmitted) before the last round
    consensus: bool = False  # the deciding round's scores differ widely: a consensus step
    reviewers: tuple[str, ...] = ()  # experts (usernames) chosen first for the reviews
    pending: int = 0  # in review: how many of the round's reviews are not submitted yet
    sites: int = 1  # pilot sites
    adopters: tuple[int, ...] = ()  # members adopting in generation 2, 3, ... (the pilot sites are the 1st)
    effect: float = 1.0  # how much the pilot's measures move (0: no effect)
    institution: bool = False  # the "institution" login's person is the lead author
    reason: str = ""  # the comment of a rejection or of the archiving

    @property
    def moves(self) -> tuple[str, ...]:
        base = PATHS[self.stage] if self.path is None else self.path
        if not self.revisions:
            return base
        first = base.index(IN_REVIEW)
        return base[:first + 1] + (REVISION, IN_REVIEW) * self.revisions + base[first + 1:]


@dataclass(frozen=True)
class DemoExpert:
    username: str
    full_name: str
    position: str
    organization: str  # key
    subject: str
    fields: tuple[str, ...] = field(default_factory=tuple)

    @property
    def email(self) -> str:
        return f"{self.username}@demo.example.org"


def _i(title, origin, stage, proposed, last, kind, level, fields, keywords, summary, **extra):
    return DemoInnovation(title=title, origin=origin, stage=stage, proposed=proposed, last=last, kind=kind,
                          level=level, fields=tuple(fields.split()),
                          keywords=tuple(word.strip() for word in keywords.split(";")), summary=summary, **extra)


S12 = "school:Chirchik:12"  # the "institution" login's school

# The cluster's experts: "expert" is a demo login of members.demo_data (its profile is added
# here), the others are made by seed_demo with the password "demo".
EXPERTS: dict[str, tuple[DemoExpert, ...]] = {
    "tashkent-region": (
        DemoExpert("expert", "Feruza Alimova", "Senior methodologist", "iro", "Methods of teaching mathematics",
                   ("mathematics", "sciences", "digital", "primary")),
        DemoExpert("expert2", "Gulnora Usmonova", "Associate professor", "cspu", "Primary education methods",
                   ("primary", "preschool", "languages", "inclusive")),
        DemoExpert("expert3", "Sherzod Tashpulatov", "Head of the Department of Physics Teaching Methods", "cspu",
                   "Methods of teaching physics", ("sciences", "mathematics", "vocational", "digital")),
        DemoExpert("expert4", "Nilufar Khodjayeva", "Leading researcher", "rips", "Educational psychology",
                   ("psychology", "inclusive", "management", "humanities")),
        DemoExpert("expert5", "Anvar Sobirov", "Associate professor", "misis", "Engineering education",
                   ("vocational", "digital", "management", "sciences")),
        DemoExpert("expert6", "Mohira Qodirova", "Head of the department of preschool and primary education",
                   "iro", "Preschool pedagogy", ("preschool", "primary", "arts", "languages", "humanities")),
    ),
    "samarkand-region": (
        DemoExpert("expert7", "Jasur Mirzayev", "Associate professor", "samsu", "Methods of teaching English",
                   ("languages", "humanities", "digital", "management")),
        DemoExpert("expert8", "Saodat Rahimova", "Senior methodologist", "sam-iro", "Primary education",
                   ("primary", "mathematics", "inclusive", "vocational")),
    ),
}

# Measures of the pilots by subject field: (name, unit, baseline, the usual change, higher is better).
MEASURES = {
    "mathematics": (("Mean score in the district mathematics test", "%", 52, 9, True),
                    ("Pupils solving non-routine problems", "%", 28, 14, True)),
    "sciences": (("Mean score in the practical-work assessment", "%", 55, 10, True),
                 ("Pupils in science olympiads and contests", "pupils", 6, 5, True)),
    "languages": (("Reading fluency, grade 4", "words a minute", 62, 14, True),
                  ("Pupils at CEFR level A2 or above", "%", 34, 12, True)),
    "humanities": (("Mean score in the history and civics test", "%", 57, 8, True),
                   ("Pupils in local-history project work", "%", 20, 25, True)),
    "primary": (("Reading comprehension, grade 3", "%", 58, 11, True),
                ("Pupils needing remedial lessons", "%", 22, -8, False)),
    "preschool": (("Children ready for school at the screening", "%", 64, 12, True),
                  ("Parents attending the workshops", "%", 25, 30, True)),
    "digital": (("Parents reading the digital diary every week", "%", 18, 46, True),
                ("Teachers using digital tools every week", "%", 35, 30, True)),
    "inclusive": (("Pupils with special needs learning in regular classes", "pupils", 9, 7, True),
                  ("Teachers trained in adapted assessment", "teachers", 3, 9, True)),
    "vocational": (("Students passing the qualification exam the first time", "%", 61, 12, True),
                   ("Graduates employed within six months", "%", 48, 15, True)),
    "management": (("Lessons observed and discussed per teacher a term", "lessons", 1.5, 2.5, True),
                   ("Teachers leaving within their first year", "%", 18, -9, False)),
    "psychology": (("Pupils reporting high test anxiety", "%", 31, -11, False),
                   ("Teachers in the school's support group", "teachers", 4, 8, True)),
    "arts": (("Pupils in after-school clubs", "%", 27, 18, True),
             ("Pupils meeting the fitness standard", "%", 56, 9, True)),
}
ABSENCES = ("Absences per pupil a term", "days", 7.5, -2.4, False)

REVIEW_COMMENTS = {
    "pilot": (
        "A clear, well-argued proposal; the materials are ready to use and the expected effect is measurable.",
        "Relevant for the region's schools and cheap to transfer. Define the measures before the pilot starts.",
        "Strong on feasibility; the evidence so far comes from one class, so the pilot should cover two sites.",
        "Builds on the cluster's shared resources well. Recommended for a pilot in a yellow-rated school too.",
    ),
    "revise": (
        "The idea is sound but the plan lacks a timetable and a way to measure the effect. Please add both.",
        "Too close to existing practice as described; show what is new compared with the state curriculum.",
        "The workload for teachers is underestimated. Add the hours needed and who trains the teachers.",
    ),
    "reject": (
        "Duplicates a programme already run by the IRO; the proposal gives no evidence of added value.",
        "Not feasible with the equipment schools have; the costs are not covered by any agreement.",
    ),
}
REVISION_COMMENTS = (
    "Please add the measures you will use and a timetable for the pilot, as the reviewers ask.",
    "The reviewers ask for the teachers' workload and the training plan; resubmit with both.",
    "Show what is new compared with the state curriculum and narrow the target group.",
)
REJECTION_COMMENTS = (
    "The expert reviews are below the cluster's threshold: the proposal duplicates existing programmes.",
    "The expert council found the costs not covered and the effect not shown.",
)
MOVE_COMMENTS = {
    IN_REVIEW: "Experts assigned.",
    APPROVED: "Approved for a pilot by the expert council.",
    PILOTING: "The pilot has started.",
    EVALUATED: "Pilot results and conclusions entered.",
    IMPLEMENTING: "Implementation started at the origin and the pilot sites.",
    DISSEMINATING: "Other members have taken it up.",
}
RESUBMISSION_COMMENT = "Revised as the reviewers asked: measures, timetable and the training plan added."

FEEDBACK = {
    "adopted": (
        "Runs in every class of the grades concerned; teachers report more pupils taking part in lessons.",
        "Part of the school's annual plan now; two of our teachers present it at the district methodical union.",
        "Adopted after a term of trial; parents' feedback at the meeting was positive.",
        "Working well; we adapted the materials for our Russian-language classes.",
    ),
    "in_progress": (
        "Two teachers trained, the first lessons held; we need the printed materials for the next term.",
        "Started in grade 5; the deputy director observes one lesson a month.",
        "Introduced in one class so far; the pilot school's teachers visited us twice.",
    ),
    "abandoned": (
        "Stopped: the teacher who led it moved to another district and nobody else was trained.",
    ),
    "planned": ("",),
}


def _tashkent() -> tuple[DemoInnovation, ...]:
    return (
        # --- proposed -------------------------------------------------------------------------
        _i("Inclusive reading corners in primary classrooms", S12, PROPOSED, -6, -6, "methodological", "school",
           "primary inclusive languages", "reading; inclusion; primary school; classroom library",
           "A reading corner in every primary classroom with levelled books, audio books and tactile "
           "materials, so that children with special needs read with their classmates.",
           expected_effect="More pupils reading at grade level; children with special needs stay in the "
                           "regular lesson.", institution=True),
        _i("Chemistry homework with the Maxam-Chirchiq laboratory videos", "school:Chirchik:4", PROPOSED, -9, -9,
           "digital", "school", "sciences digital", "chemistry; video; homework; enterprise partnership",
           "Short videos recorded in the Maxam-Chirchiq analytical laboratory, each with a homework task "
           "that pupils check against the measured values."),
        _i("School-wide reading hour", "school:Angren:14", PROPOSED, -4, -4, "managerial", "school",
           "languages humanities", "reading; school culture; timetable",
           "Twenty minutes of silent reading for the whole school, teachers included, three times a week "
           "after the second lesson."),
        _i("Bilingual science glossaries for Russian- and Uzbek-medium classes", "school:Almalyk:8", PROPOSED,
           -15, -15, "curricular", "school", "sciences languages", "bilingual education; glossary; science",
           "Illustrated glossaries of the physics and chemistry terms of grades 7–9 in Uzbek, Russian and "
           "English, used in both language streams."),
        _i("Outdoor lessons in the school orchard", "school:Parkent:26", PROPOSED, -2, -2, "methodological",
           "school", "sciences primary", "outdoor learning; biology; school garden",
           "Biology and natural-science lessons of grades 3–6 held in the school's orchard, with "
           "observation journals kept by the pupils through the seasons."),
        # --- in review ------------------------------------------------------------------------
        _i("Digital portfolio of pupils' project work", S12, IN_REVIEW, -30, -11, "digital", "school",
           "digital humanities", "portfolio; project work; assessment",
           "Each pupil of grades 8–9 keeps the projects of every subject in one online portfolio that "
           "teachers and parents comment on.", institution=True, reviewers=("expert",), pending=1),
        _i("Project-based learning in rural mathematics classes", "school:Bostanliq:33", IN_REVIEW, -35, -20,
           "methodological", "school", "mathematics", "project-based learning; rural schools; mathematics",
           "Pupils of grades 6–8 solve problems taken from their village: irrigation schedules, the "
           "harvest of the family plot, the cost of a bus route, in teams of four.",
           expected_effect="Higher scores in the district test; fewer pupils who see no use in mathematics.",
           reviewers=("expert",), pending=1),
        _i("Olympiad preparation network for physics", "school:Chirchik:17", IN_REVIEW, -16, -5,
           "methodological", "school", "sciences mathematics", "olympiad; physics; network; gifted pupils",
           "Strong pupils of five schools meet at CSPU on Saturdays to solve olympiad problems with "
           "university students as tutors.", reviewers=("expert",), pending=2),
        _i("Peer observation circles for teachers", "school:Qibray:12", IN_REVIEW, -40, -26, "managerial",
           "school", "management psychology", "lesson study; peer observation; professional development",
           "Groups of three teachers plan a lesson together, observe it and discuss what the pupils did, "
           "once a month.", pending=1),
        _i("Speech therapy games for preschool groups", "dmtt-12", IN_REVIEW, -27, -17, "methodological",
           "preschool", "preschool inclusive", "speech development; games; preschool",
           "Daily ten-minute speech games for children of 4–6 run by the educators after a short training "
           "by the speech therapist.", consensus=True),
        _i("Career guidance days at the Almalyk combine", "school:Almalyk:13", IN_REVIEW, -12, -2,
           "managerial", "school", "vocational management", "career guidance; enterprise; grade 9",
           "Grade 9 pupils spend a day in the workshops of Almalyk MMC with an engineer as guide before "
           "they choose a technical school.", pending=2),
        _i("Mathematics through chess in grades 2–4", "school:Yangiyul:15", IN_REVIEW, -50, -33,
           "methodological", "school", "mathematics primary", "chess; logic; primary mathematics",
           "One lesson a week of chess problems linked to the mathematics curriculum: coordinates, "
           "counting, logical reasoning.", revisions=1),
        # --- revision requested ----------------------------------------------------------------
        _i("Parents' school for families of first-graders", S12, REVISION, -70, -24, "managerial", "school",
           "primary psychology", "parents; first grade; adaptation",
           "Six evening meetings for the parents of first-graders on reading with the child, homework and "
           "the first months at school.", institution=True),
        _i("Virtual laboratory works in physics", "school:Bekabad:11", REVISION, -95, -40, "digital", "school",
           "sciences digital", "virtual laboratory; physics; simulations",
           "Laboratory works of grades 7–9 done in PhET simulations where the school lacks the equipment, "
           "with the same worksheets as the real ones."),
        _i("Tutoring by senior pupils", "school:Zangiota:24", REVISION, -130, -18, "methodological", "school",
           "mathematics languages", "peer tutoring; senior pupils; remedial lessons",
           "Pupils of grades 10–11 tutor grade 5–6 pupils in mathematics and the native language twice a "
           "week, supervised by a teacher.", revisions=1),
        _i("Modular course in industrial automation", "tech-angren", REVISION, -60, -12, "curricular",
           "vocational", "vocational digital", "automation; PLC; modular curriculum",
           "A 120-hour module on programmable logic controllers built with the Angren power plant's "
           "engineers, for third-year electrical students."),
        # --- approved for pilot ---------------------------------------------------------------
        _i("STEM kits shared between colleges", "tech-chirchik", APPROVED, -120, -35, "managerial",
           "vocational", "sciences vocational", "STEM; shared equipment; colleges",
           "Sets of sensors, microcontrollers and measuring instruments that travel between the technical "
           "schools on a booking schedule, with lesson plans for each set.", sites=2),
        _i("Financial literacy through school fairs", "school:Nurafshon:2", APPROVED, -90, -20, "curricular",
           "school", "mathematics humanities", "financial literacy; fairs; economics",
           "Pupils of grades 5–7 plan, price and run a school fair each term, keeping the accounts in "
           "their mathematics lessons."),
        _i("Mentoring network for first-year teachers", "ziyo", APPROVED, -150, -60, "managerial", "adult",
           "management psychology", "mentoring; young teachers; retention",
           "Every teacher in the first year is paired with an experienced mentor from another school of "
           "the district; the pairs meet twice a month and visit each other's lessons.",
           expected_effect="Fewer young teachers leaving in their first year.", consensus=True),
        _i("Robotics club curriculum for rural schools", "school:Piskent:10", APPROVED, -75, -9, "curricular",
           "school", "digital sciences", "robotics; clubs; rural schools",
           "A one-year club curriculum for low-cost robot kits, with teachers trained by CSPU students."),
        # --- rejected ---------------------------------------------------------------------------
        _i("Paid evening exam preparation at school", "school:Angren:21", REJECTED, -200, -160, "managerial",
           "school", "management", "exam preparation; paid services",
           "Evening classes for the graduation exams run by the school's teachers for a fee.",
           path=(REJECTED,), reason="Paid classes of the school's own pupils by their teachers fall outside the "
                                    "cluster's innovation programme."),
        _i("Tablet-only lessons in grade 1", "school:Ohangaron:6", REJECTED, -400, -350, "digital", "school",
           "digital primary", "tablets; primary; screen time",
           "All lessons of grade 1 held on tablets with an adaptive learning app."),
        _i("Merging small rural classes across villages", "school:Chinoz:19", REJECTED, -300, -255,
           "managerial", "school", "management", "multigrade; rural schools; transport",
           "Pupils of three villages taught together at one school, with a bus paid by the parents.",
           consensus=True),
        _i("Homework-free primary school", "school:Yuqorichirchiq:22", REJECTED, -180, -120, "methodological",
           "school", "primary", "homework; primary school; workload",
           "No written homework in grades 1–4; reading aloud with the family only.", revisions=1),
        _i("Standardised weekly testing in every subject", "school:Zangiota:39", REJECTED, -520, -470,
           "managerial", "school", "management mathematics", "testing; assessment; monitoring",
           "A short test in every subject every Friday, scored centrally by the school's administration."),
        # --- piloting ---------------------------------------------------------------------------
        _i("Digital attendance and absence alerts", "school:Chirchik:7", PILOTING, -300, -120, "digital",
           "school", "digital management", "attendance; SMS; absences",
           "Attendance marked on a phone at the start of each lesson; parents get an SMS when their child "
           "is absent without notice.", sites=2),
        _i("Flipped classroom in senior biology", "school:Almalyk:5", PILOTING, -260, -90, "methodological",
           "school", "sciences digital", "flipped classroom; biology; video",
           "Pupils of grades 10–11 watch a short video at home and spend the lesson on problems and "
           "experiments."),
        _i("Dual-education internship passport", "tech-almalyk", PILOTING, -320, -140, "managerial",
           "vocational", "vocational management", "dual education; internship; competences",
           "A passport in which the enterprise mentor signs off each competence a student shows during "
           "the internship at Almalyk MMC, recognised in the final qualification exam.",
           expected_effect="More students passing the qualification exam; the combine hires more graduates.",
           sites=2),
        _i("Native-language reading clubs for grade 5", "school:Parkent:3", PILOTING, -210, -45,
           "methodological", "school", "languages", "reading club; native language; literature",
           "Weekly reading clubs where pupils choose, read and present Uzbek children's literature."),
        _i("Formative assessment with exit tickets", "iro", PILOTING, -240, -70, "methodological", "school",
           "mathematics management", "formative assessment; exit tickets; feedback",
           "A three-question card at the end of each lesson tells the teacher what to repeat next time; "
           "IRO methodologists train the pilot schools' teachers.", sites=2),
        _i("Safe internet lessons with the school psychologist", "school:Qibray:30", PILOTING, -230, -100,
           "curricular", "school", "psychology digital", "online safety; cyberbullying; psychology",
           "Six lessons on online safety and cyberbullying for grades 6–8, led by the psychologist with the "
           "informatics teacher.", revisions=1),
        _i("Preschool STEM play corners", "dmtt-3", PILOTING, -280, -150, "methodological", "preschool",
           "preschool sciences", "STEM; play; preschool",
           "Play corners with water, magnets, scales and building sets, and a weekly plan of guided "
           "experiments for children of 5–6."),
        # --- evaluated --------------------------------------------------------------------------
        _i("Math trails around the town", "school:Chirchik:1", EVALUATED, -480, -60, "methodological", "school",
           "mathematics", "math trail; outdoor learning; geometry",
           "Walking routes around the school with mathematics tasks at each stop: heights of buildings, "
           "areas of the park, timetables.", sites=2),
        _i("Lesson study groups in technical schools", "tech-bekabad", EVALUATED, -430, -40, "managerial",
           "vocational", "vocational management", "lesson study; masters of industrial training",
           "Masters of industrial training plan and observe practical lessons together with the "
           "Uzmetkombinat mentors."),
        _i("Adapted assessment for pupils with special needs", "rips", EVALUATED, -500, -100, "methodological",
           "school", "inclusive psychology", "inclusive education; assessment; individual plan",
           "Assessment tasks and marking guides adapted to each pupil's individual learning plan, "
           "developed by the Kori Niyoziy Institute.", sites=2, consensus=True),
        _i("Electronic journal analytics for deputy directors", "school:Chirchik:23", EVALUATED, -450, -75,
           "digital", "school", "digital management", "electronic journal; analytics; school management",
           "Monthly reports built from the electronic journal show each class's grades and absences, "
           "so deputy directors know where to help."),
        _i("English speaking clubs with university students", "school:Angren:9", EVALUATED, -470, -30,
           "methodological", "school", "languages", "English; speaking club; CSPU students",
           "CSPU students of English run weekly speaking clubs for pupils of grades 7–9 as part of their "
           "teaching practice.", revisions=1),
        # --- implementing -----------------------------------------------------------------------
        _i("Digital diary for parent–teacher communication", S12, IMPLEMENTING, -640, -120, "digital", "school",
           "digital management", "digital diary; parents; communication",
           "Homework, grades and notes from the teachers in one app that parents read every week; the "
           "class teacher answers parents' questions there instead of by phone.",
           expected_effect="Parents informed every week; fewer unexplained absences.", institution=True,
           sites=2, adopters=(2,)),
        _i("Geometry with GeoGebra in grades 7–9", "school:Almalyk:25", IMPLEMENTING, -600, -80, "digital",
           "school", "mathematics digital", "GeoGebra; geometry; dynamic software",
           "Constructions and proofs explored in GeoGebra before they are written down, with a bank of "
           "ready-made lesson files.", adopters=(1,)),
        _i("Teacher research groups at the IRO", "iro", IMPLEMENTING, -680, -150, "managerial", "adult",
           "management psychology", "action research; teachers; professional development",
           "Teachers of several schools study one question of their own practice for a year, with an IRO "
           "methodologist, and publish the results in the institute's bulletin.", sites=2, adopters=(2,)),
        _i("Welding simulator training before the workshop", "tech-angren", IMPLEMENTING, -560, -110,
           "digital", "vocational", "vocational digital", "welding; simulator; safety",
           "Students practise on a virtual welding simulator until they reach the set score before they "
           "weld in the workshop.", adopters=(1,)),
        _i("Local history projects with the district museum", "school:Bekabad:3", IMPLEMENTING, -590, -60,
           "curricular", "school", "humanities", "local history; museum; projects",
           "Pupils of grades 6–8 research a person or building of their district with the museum's staff "
           "and present it at the museum.", adopters=(2,)),
        _i("Morning exercise and movement breaks", "school:Ohangaron:10", IMPLEMENTING, -540, -100,
           "managerial", "school", "arts", "physical activity; health; movement breaks",
           "Ten minutes of exercise before the first lesson and a two-minute movement break in every "
           "lesson of grades 1–6."),
        # --- disseminating ----------------------------------------------------------------------
        _i("Mobile chemistry laboratory visiting rural schools", "cspu", DISSEMINATING, -720, -150,
           "managerial", "school", "sciences", "mobile laboratory; chemistry; rural schools",
           "A van with the equipment for twelve practical works visits rural schools on a schedule; CSPU "
           "students assist the school's chemistry teacher.",
           expected_effect="Every pupil in the district does the practical works of the curriculum.",
           sites=2, adopters=(3, 2)),
        _i("Reading aloud with grandparents", "school:Chirchik:17", DISSEMINATING, -700, -200,
           "methodological", "school", "primary languages", "family reading; grandparents; primary",
           "Grandparents come to primary classes once a week to read aloud and talk about the books.",
           adopters=(3, 1)),
        _i("Competence-based practice in metallurgy with Uzmetkombinat", "tech-bekabad", DISSEMINATING, -710,
           -120, "curricular", "vocational", "vocational", "dual education; metallurgy; competences",
           "The third year's practice runs at Uzmetkombinat along a list of competences agreed with the "
           "plant; the plant's masters assess them.", sites=2, adopters=(2, 1)),
        _i("School support plans for red-rated schools", "authority", DISSEMINATING, -690, -90, "managerial",
           "school", "management", "school improvement; ratings; support plan",
           "A red-rated school works out a one-year plan with a green-rated partner school and an IRO "
           "methodologist, reviewed each term.",
           expected_effect="No school rated red by 2027.", sites=2, adopters=(4, 2)),
        _i("Game-based English for grades 1–2", "school:Yangiyul:27", DISSEMINATING, -650, -60,
           "methodological", "school", "languages primary", "English; games; early language learning",
           "Songs, movement games and picture cards for the first two years of English, with a kit each "
           "teacher makes from the templates.", adopters=(2, 2)),
        _i("Open online course on inclusive education for teachers", "iro", DISSEMINATING, -620, -45, "digital",
           "adult", "inclusive digital", "online course; inclusive education; professional development",
           "A 36-hour self-paced course on the IRO's platform with assignments checked by methodologists; "
           "schools enrol their whole staff.", sites=2, adopters=(3,)),
        # --- archived -----------------------------------------------------------------------------
        _i("Interactive whiteboards in every primary class", "school:Nurafshon:1", ARCHIVED, -560, -530, "digital",
           "school", "digital primary", "interactive whiteboard; equipment",
           "An interactive whiteboard and training for every primary teacher.", path=(ARCHIVED,),
           reason="Withdrawn by the authors: the school received the whiteboards through a state programme."),
        _i("Weekend science camps", "school:Bostanliq:19", ARCHIVED, -420, -330, "methodological", "school",
           "sciences", "camp; science; weekend", "Two-day science camps in the mountains for grades 7–8.",
           path=(IN_REVIEW, REVISION, ARCHIVED), reason="Withdrawn: no transport could be arranged."),
        _i("Shared substitute teacher pool", "school:Piskent:28", ARCHIVED, -480, -300, "managerial", "school",
           "management", "substitute teachers; staffing; network",
           "Retired teachers on call to replace absent colleagues in the district's schools.",
           path=(IN_REVIEW, APPROVED, ARCHIVED),
           reason="The district education department took the pool over; no pilot needed."),
        _i("Calligraphy lessons with a tablet stylus", "school:Zangiota:8", ARCHIVED, -640, -200, "digital",
           "school", "arts digital", "calligraphy; tablets; handwriting",
           "Handwriting practice of grades 1–2 on tablets with a stylus and instant feedback.",
           path=(IN_REVIEW, APPROVED, PILOTING, EVALUATED, ARCHIVED), effect=0.05,
           reason="The pilot showed no effect on handwriting; archived."),
        _i("Energy-saving school project", "school:Chirchik:4", ARCHIVED, -715, -40, "curricular", "school",
           "sciences humanities", "energy saving; ecology; projects",
           "Pupils measure the school's use of electricity and gas and propose savings to the school "
           "council every term.",
           path=(IN_REVIEW, APPROVED, PILOTING, EVALUATED, IMPLEMENTING, DISSEMINATING, ARCHIVED),
           adopters=(2,), reason="Now part of the regional ecology programme for every school."),
    )


def _samarkand() -> tuple[DemoInnovation, ...]:
    return (
        _i("Storytelling in English with Samarkand legends", "school:Samarkand:21", PROPOSED, -8, -8,
           "methodological", "school", "languages humanities", "English; storytelling; local culture",
           "Pupils of grades 6–8 retell the legends of Samarkand in English and perform them for tourists' "
           "children at the summer festival."),
        _i("Mentor pairs for young teachers of Urgut", "school:Urgut:14", IN_REVIEW, -25, -10, "managerial",
           "school", "management", "mentoring; young teachers",
           "Young teachers of the district's schools paired with experienced colleagues, with a lesson visit "
           "each fortnight.", pending=1),
        _i("Mathematics tasks from the bazaar", "school:Kattakurgan:3", APPROVED, -110, -30, "methodological",
           "school", "mathematics", "applied mathematics; everyday life",
           "Word problems of grades 5–6 written from prices, weights and change at the local bazaar."),
        _i("Hospitality English module", "sam-tourism", PILOTING, -330, -100, "curricular", "vocational",
           "languages vocational", "English; hospitality; tourism",
           "An 80-hour English module for hotel and guide students with role plays recorded at Registan."),
        _i("Reading diaries in primary classes", "school:Samarkand:5", EVALUATED, -420, -40, "methodological",
           "school", "primary languages", "reading diary; primary",
           "A reading diary where pupils note each book and draw a scene; the teacher reads them weekly."),
        _i("Inclusive classroom assistants from the university", "school:Jomboy:11", IMPLEMENTING, -430, -60,
           "managerial", "school", "inclusive", "inclusive education; assistants; university students",
           "SamSU students of special pedagogy assist in classes with pupils with special needs.",
           adopters=(1,)),
    )


INNOVATIONS: dict[str, tuple[DemoInnovation, ...]] = {
    "tashkent-region": _tashkent(),
    "samarkand-region": _samarkand(),
}
