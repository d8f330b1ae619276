"""The demo agreements as data: read by `seed_demo`, which writes them through the agreements
services. Organizations are named by their `key` in members/demo_data.py.

Every date is a number of days from the day the seed runs (negative: in the past), so the
demo shows the same picture whatever day it is loaded: agreements ending within 30 and
within 7 days, obligations overdue, agreements that expired and were renewed.

The title identifies an agreement within its cluster: `seed_demo` skips one whose title is
already there (with its renewal, which carries the same title).
"""

from __future__ import annotations

from dataclasses import dataclass

# The statuses an agreement reaches in the demo; the moves between them are the services'.
DRAFT, NEGOTIATION, SIGNED, ACTIVE = "draft", "negotiation", "signed", "active"
SUSPENDED, EXPIRED, TERMINATED = "suspended", "expired", "terminated"

MEMORANDUM, NETWORK_PROGRAMME, DUAL_EDUCATION = "memorandum", "network_programme", "dual_education"
RESOURCE_SHARING, RESEARCH, INTERNSHIP = "resource_sharing", "research", "internship"

INITIATOR, PARTNER, PROVIDER, BENEFICIARY = "initiator", "partner", "provider", "beneficiary"


@dataclass(frozen=True)
class Party:
    organization: str  # the organization's key
    role: str = PARTNER
    # The position of the person who signs for it; empty: its director, else its first person.
    signatory: str = ""


@dataclass(frozen=True)
class Duty:
    """An obligation of one party. Open past its due date, the daily task makes it overdue."""

    party: str  # the organization's key
    description: str
    due: int  # days from the seed day
    done: int | None = None  # the day it was marked done; None: still open


@dataclass(frozen=True)
class Renewal:
    """The successor made by agreement_renew: same title, kind, parties and description.
    The fields after `end` mean what they mean in DemoAgreement."""

    status: str
    drafted: int
    start: int
    end: int
    signed: int | None = None
    obligations: tuple[Duty, ...] = ()
    changed: int | None = None
    comment: str = ""
    terminated_from: str = "active"


@dataclass(frozen=True)
class DemoAgreement:
    title: str
    kind: str
    description: str
    parties: tuple[Party, ...]
    status: str  # where it stands on the seed day
    drafted: int  # the day the draft was made
    start: int
    end: int
    # The day the last party signed (every status from signed on); the parties sign over
    # the days before it, after the negotiation began.
    signed: int | None = None
    obligations: tuple[Duty, ...] = ()
    # Suspended or terminated: on which day, and the comment or the reason for termination.
    changed: int | None = None
    comment: str = ""
    terminated_from: str = ACTIVE  # the status a terminated agreement had reached
    renewal: Renewal | None = None


def negotiation_day(drafted: int, signed: int | None) -> int:
    """The day a draft went to negotiation: a third of the way to the signature, or five
    days after the draft (not after the seed day) for one still negotiated."""
    if signed is not None:
        return drafted + max(1, (signed - drafted) // 3)
    return min(drafted + 5, 0)


def signature_days(negotiated: int, signed: int, parties: int) -> list[int]:
    """One day per party, two days apart, the last on `signed`, none before the negotiation."""
    return [max(negotiated, signed - 2 * (parties - 1 - index)) for index in range(parties)]


TASHKENT_AGREEMENTS: tuple[DemoAgreement, ...] = (
    # --- active ----------------------------------------------------------------------------
    DemoAgreement(
        title="Continuous professional development of teachers of Tashkent region",
        kind=MEMORANDUM,
        description=(
            "Chirchik State Pedagogical University, the regional in-service training institute and "
            "the regional education department plan teacher professional development together: one "
            "annual needs survey of the region's schools, joint courses taught by university staff "
            "and IRO methodologists, and credit for the courses in teacher certification."
        ),
        parties=(Party("cspu", INITIATOR), Party("iro", PARTNER), Party("authority", PARTNER)),
        status=ACTIVE, drafted=-460, signed=-410, start=-400, end=330,
        obligations=(
            Duty("iro", "Run a joint 72-hour course on formative assessment for 120 teachers of "
                        "mathematics and physics.", due=-120, done=-126),
            Duty("authority", "Publish the annual survey of teachers' professional development needs "
                              "across the region's districts.", due=-200, done=-203),
            Duty("cspu", "Publish the joint methodological guide on formative assessment in grades 5-9.",
                 due=60),
        ),
    ),
    DemoAgreement(
        title="Laboratory practice in STEM for schools of Chirchik",
        kind=NETWORK_PROGRAMME,
        description=(
            "Pupils of grades 9-11 of three Chirchik schools take part of their chemistry and physics "
            "practicals in the university laboratories; CSPU methodologists observe and discuss the "
            "pilot lessons with the schools' teachers."
        ),
        parties=(Party("cspu", PROVIDER), Party("school:Chirchik:12", BENEFICIARY),
                 Party("school:Chirchik:17", BENEFICIARY), Party("school:Chirchik:4", BENEFICIARY)),
        status=ACTIVE, drafted=-130, signed=-88, start=-80, end=14,
        obligations=(
            Duty("cspu", "Hold 12 laboratory sessions for grades 9-11 in the chemistry and physics "
                         "laboratories.", due=-10, done=-12),
            Duty("school:Chirchik:12", "Send the plans of the pilot lessons to the university for "
                                       "review.", due=-5),
            Duty("school:Chirchik:17", "Send the plans of the pilot lessons to the university for "
                                       "review.", due=-5, done=-7),
        ),
    ),
    DemoAgreement(
        title="Dual education in mineral processing with Almalyk MMC",
        kind=DUAL_EDUCATION,
        description=(
            "Students of the Almalyk Mining and Metallurgical Technical School spend three days a "
            "week at the combine's concentrating plants, with a mentor from the combine for each "
            "group; the curriculum is agreed with the combine's training centre."
        ),
        parties=(Party("tech-almalyk", INITIATOR), Party("almalyk-mmc", PROVIDER)),
        status=ACTIVE, drafted=-480, signed=-430, start=-420, end=310,
        obligations=(
            Duty("almalyk-mmc", "Provide 40 workplaces with mentors for second-year students.",
                 due=-300, done=-310),
            Duty("tech-almalyk", "Adapt the curriculum: 60% of the practical training at the combine.",
                 due=-330, done=-335),
            Duty("almalyk-mmc", "Pay the agreed monthly stipend to the students in dual education for "
                                "the spring term.", due=30),
        ),
    ),
    DemoAgreement(
        title="Dual education in chemical technology with Maxam-Chirchiq",
        kind=DUAL_EDUCATION,
        description=(
            "A dual-education group of 25 students of the Chirchik Chemical Technical School trains "
            "in the ammonia and nitric acid workshops of Maxam-Chirchiq under certified mentors."
        ),
        parties=(Party("tech-chirchik", INITIATOR), Party("maxam", PROVIDER)),
        status=ACTIVE, drafted=-250, signed=-208, start=-200, end=5,
        obligations=(
            Duty("maxam", "Certify 25 mentors from the workshops' engineers.", due=-150, done=-158),
            Duty("tech-chirchik", "Submit the results of the final attestation of the dual-education "
                                  "group.", due=-3),
        ),
    ),
    DemoAgreement(
        title="Summer internships of metallurgy students at Uzmetkombinat",
        kind=INTERNSHIP,
        description=(
            "Four-week summer internships of third-year students of the Bekabad Metallurgical "
            "Technical School in the steelmaking and rolling shops, with interviews for employment "
            "of the best graduates."
        ),
        parties=(Party("tech-bekabad", INITIATOR), Party("uzmet", PROVIDER)),
        status=ACTIVE, drafted=-200, signed=-160, start=-150, end=215,
        obligations=(
            Duty("uzmet", "Host 30 students for a four-week summer internship.", due=-90, done=-95),
            Duty("uzmet", "Offer employment interviews to the graduates of the internship groups.", due=200),
        ),
    ),
    DemoAgreement(
        title="Chemistry laboratory days at Maxam-Chirchiq for schools of Chirchik",
        kind=RESOURCE_SHARING,
        description=(
            "Maxam-Chirchiq opens its training chemistry laboratory to pupils of Chirchik schools one "
            "day a month; university students of chemistry assist the school teachers."
        ),
        parties=(Party("maxam", PROVIDER), Party("school:Chirchik:1", BENEFICIARY),
                 Party("school:Chirchik:7", BENEFICIARY), Party("cspu", PARTNER)),
        status=ACTIVE, drafted=-140, signed=-106, start=-100, end=25,
        obligations=(
            Duty("maxam", "Host a laboratory day every month for up to 30 pupils.", due=-30, done=-31),
            Duty("school:Chirchik:7", "Keep the record of the pupils' safety briefings and send it to "
                                      "Maxam-Chirchiq.", due=-20),
        ),
    ),
    DemoAgreement(
        title="Formative assessment in primary schools of Tashkent region",
        kind=RESEARCH,
        description=(
            "A three-year study of formative assessment in grades 1-4 in 20 pilot schools: the "
            "Kori Niyoziy Institute leads the research, CSPU collects and analyses the data, the IRO "
            "trains the teachers of the pilot schools."
        ),
        parties=(Party("rips", INITIATOR), Party("cspu", PARTNER), Party("iro", PARTNER)),
        status=ACTIVE, drafted=-360, signed=-310, start=-300, end=430,
        obligations=(
            Duty("rips", "Submit the interim research report to the cluster council.", due=-30, done=-28),
            Duty("iro", "Train the primary teachers of the 20 pilot schools.", due=-240, done=-244),
            Duty("cspu", "Collect the second-year data of the 20 pilot schools.", due=45),
        ),
    ),
    DemoAgreement(
        title="Mentoring of young teachers in Angren",
        kind=NETWORK_PROGRAMME,
        description=(
            "Each teacher in the first three years of work at School No. 9, Angren, is paired with an "
            "experienced mentor from the Ziyo association; the IRO counts the mentoring towards the "
            "mentors' professional development."
        ),
        parties=(Party("ziyo", PROVIDER), Party("iro", PARTNER), Party("school:Angren:9", BENEFICIARY)),
        status=ACTIVE, drafted=-100, signed=-66, start=-60, end=3,
        obligations=(
            Duty("ziyo", "Assign a mentor to each of the 12 young teachers.", due=-45, done=-50),
            Duty("school:Angren:9", "Give each young teacher two hours a week for lessons observed by "
                                    "the mentor.", due=-40, done=-40),
        ),
    ),
    DemoAgreement(
        title="Support of red-rated schools of Chinoz and Bostanliq",
        kind=MEMORANDUM,
        description=(
            "The regional education department and the university agree a support plan for each "
            "school rated red: a university methodologist assigned to the school, model lessons and a "
            "review of the plan at every meeting of the cluster council."
        ),
        parties=(Party("authority", INITIATOR), Party("cspu", PARTNER),
                 Party("school:Chinoz:19", BENEFICIARY), Party("school:Bostanliq:33", BENEFICIARY)),
        status=ACTIVE, drafted=-290, signed=-256, start=-250, end=480,
        obligations=(
            Duty("cspu", "Assign a university methodologist to each of the two schools.", due=-230, done=-236),
            Duty("authority", "Review the schools' support plans at the cluster council.", due=-14),
            Duty("school:Chinoz:19", "Hold four model lessons a term with the university methodologist.",
                 due=40),
        ),
    ),
    DemoAgreement(
        title="Internships and employment of NUST MISIS Almalyk graduates at Almalyk MMC",
        kind=INTERNSHIP,
        description=(
            "Students of mining and metallurgy of the Almalyk branch of NUST MISIS do their "
            "production internships at the combine, which interviews the graduates for employment."
        ),
        parties=(Party("misis", INITIATOR), Party("almalyk-mmc", PROVIDER)),
        status=ACTIVE, drafted=-240, signed=-207, start=-200, end=530,
        obligations=(
            Duty("almalyk-mmc", "Host 50 students for production internships.", due=-60, done=-62),
        ),
    ),
    DemoAgreement(
        title="Shared use of the CSPU physics and biology laboratories",
        kind=RESOURCE_SHARING,
        description=(
            "The Chirchik Chemical Technical School holds its laboratory work in physics and biology "
            "in the university laboratories on Tuesdays and Thursdays; the university provides a "
            "laboratory assistant."
        ),
        parties=(Party("cspu", PROVIDER), Party("tech-chirchik", BENEFICIARY)),
        status=ACTIVE, drafted=-70, signed=-45, start=-40, end=20,
        obligations=(
            Duty("tech-chirchik", "Send the term's timetable of laboratory work.", due=-35, done=-36),
        ),
    ),
    DemoAgreement(
        title="Early literacy in preschools and primary schools of Chirchik",
        kind=NETWORK_PROGRAMME,
        description=(
            "Educators of Preschool No. 12 and primary teachers of School No. 12, Chirchik, learn one "
            "method of early reading together, so the children's first year at school continues what "
            "they began in preschool."
        ),
        parties=(Party("iro", PROVIDER), Party("dmtt-12", BENEFICIARY), Party("school:Chirchik:12", BENEFICIARY)),
        status=ACTIVE, drafted=-60, signed=-35, start=-30, end=260,
        obligations=(
            Duty("iro", "Train 15 educators and primary teachers in the method of early reading.", due=40),
            Duty("school:Chirchik:12", "Hold two open lessons for the preschool educators.", due=75),
        ),
    ),
    DemoAgreement(
        title="Dual education for electricians of industrial equipment at Ohangaronsement",
        kind=DUAL_EDUCATION,
        description=(
            "Students of electrical engineering of the Angren Technical School of Energy and "
            "Construction train on the cement plant's electrical equipment under the plant's "
            "engineers."
        ),
        parties=(Party("tech-angren", INITIATOR), Party("ohangaron-cement", PROVIDER)),
        status=ACTIVE, drafted=-130, signed=-96, start=-90, end=640,
    ),
    DemoAgreement(
        title="Teaching practice of CSPU students in schools of Qibray and Yuqorichirchiq",
        kind=MEMORANDUM,
        description=(
            "Fourth-year students of the university do their eight-week teaching practice in two "
            "district schools, each with a teacher of the school as supervisor."
        ),
        parties=(Party("cspu", INITIATOR, signatory="Head of the Department of Pedagogy"),
                 Party("school:Qibray:6", PARTNER), Party("school:Yuqorichirchiq:5", PARTNER)),
        status=ACTIVE, drafted=-160, signed=-126, start=-120, end=245,
        obligations=(
            Duty("school:Qibray:6", "Host 20 fourth-year students for the teaching practice.", due=-30, done=-30),
            Duty("school:Yuqorichirchiq:5", "Host 15 fourth-year students for the teaching practice.",
                 due=-30, done=-29),
        ),
    ),
    # Active and ending in twelve days; its renewal is being negotiated.
    DemoAgreement(
        title="Preparation of gifted pupils of Angren for subject olympiads",
        kind=NETWORK_PROGRAMME,
        description=(
            "University lecturers hold weekly olympiad classes in mathematics, physics and chemistry "
            "for the gifted pupils of two Angren schools and train the schools' teachers to continue "
            "them."
        ),
        parties=(Party("cspu", PROVIDER), Party("school:Angren:2", BENEFICIARY),
                 Party("school:Angren:14", BENEFICIARY)),
        status=ACTIVE, drafted=-390, signed=-356, start=-350, end=12,
        obligations=(
            Duty("cspu", "Hold weekly olympiad classes in three subjects.", due=-20, done=-22),
        ),
        renewal=Renewal(status=NEGOTIATION, drafted=-10, start=13, end=378),
    ),
    # Expired after its year and renewed by a successor that is active now.
    DemoAgreement(
        title="Summer school for mathematics teachers",
        kind=NETWORK_PROGRAMME,
        description=(
            "A two-week summer school at the university for teachers of mathematics of the region: "
            "problem solving, the new curriculum and the international assessments, with follow-up "
            "lessons observed by IRO methodologists."
        ),
        parties=(Party("cspu", PROVIDER), Party("iro", PARTNER), Party("authority", PARTNER)),
        status=EXPIRED, drafted=-440, signed=-405, start=-400, end=-35,
        obligations=(
            Duty("cspu", "Hold the summer school for 60 teachers of mathematics.", due=-130, done=-133),
            Duty("iro", "Observe follow-up lessons of the summer school's participants.", due=-60, done=-64),
        ),
        renewal=Renewal(
            status=ACTIVE, drafted=-75, signed=-40, start=-34, end=330,
            obligations=(
                Duty("authority", "Nominate 80 teachers of mathematics from the districts for the summer "
                                  "school.", due=150),
            ),
        ),
    ),
    # --- signed, starting soon --------------------------------------------------------------
    DemoAgreement(
        title="Internships of CSPU graduates in schools of Parkent",
        kind=INTERNSHIP,
        description=(
            "Graduates of the university work their first year as interns in two Parkent schools, "
            "with a mentor at the school and a supervisor at the university; the schools offer them "
            "posts afterwards."
        ),
        parties=(Party("cspu", INITIATOR), Party("school:Parkent:26", PARTNER), Party("school:Parkent:3", PARTNER)),
        status=SIGNED, drafted=-45, signed=-6, start=15, end=380,
        obligations=(
            Duty("school:Parkent:26", "Name a mentor for each intern.", due=30),
        ),
    ),
    DemoAgreement(
        title="Informatics lessons in the NUST MISIS Almalyk computer classes",
        kind=RESOURCE_SHARING,
        description=(
            "Two Almalyk schools hold their informatics lessons for grades 10-11 in the computer "
            "classes of the Almalyk branch of NUST MISIS on Saturdays."
        ),
        parties=(Party("misis", PROVIDER), Party("school:Almalyk:5", BENEFICIARY),
                 Party("school:Almalyk:13", BENEFICIARY)),
        status=SIGNED, drafted=-30, signed=-3, start=8, end=190,
    ),
    DemoAgreement(
        title="Piloting the new natural sciences curriculum in ten schools",
        kind=RESEARCH,
        description=(
            "The Kori Niyoziy Institute pilots the new curriculum in natural sciences for grades 5-6 "
            "in ten schools of the region; the IRO trains the teachers and the regional department "
            "chooses the schools."
        ),
        parties=(Party("rips", INITIATOR), Party("authority", PARTNER), Party("iro", PARTNER)),
        status=SIGNED, drafted=-60, signed=-9, start=38, end=400,
        obligations=(
            Duty("authority", "Choose the ten pilot schools from different districts.", due=30),
            Duty("iro", "Train the teachers of natural sciences of the pilot schools.", due=90),
        ),
    ),
    # --- drafts ------------------------------------------------------------------------------
    DemoAgreement(
        title="Dual education in steelmaking with Uzmetkombinat",
        kind=DUAL_EDUCATION,
        description=(
            "A new dual-education programme in steelmaking for the Bekabad Metallurgical Technical "
            "School, in place of the agreement on rolling production that ended when the rolling "
            "shop's training workshop closed."
        ),
        parties=(Party("tech-bekabad", INITIATOR), Party("uzmet", PROVIDER)),
        status=DRAFT, drafted=-4, start=60, end=790,
    ),
    DemoAgreement(
        title="School readiness of the children of Preschool No. 3, Angren",
        kind=MEMORANDUM,
        description=(
            "Preschool No. 3 and School No. 2, Angren, agree joint visits, a common observation sheet "
            "of school readiness and meetings of educators and first-grade teachers."
        ),
        parties=(Party("dmtt-3", INITIATOR), Party("school:Angren:2", PARTNER)),
        status=DRAFT, drafted=-2, start=30, end=395,
    ),
    DemoAgreement(
        title="Robotics classroom of School No. 12, Chirchik, for neighbouring schools",
        kind=RESOURCE_SHARING,
        description=(
            "School No. 12 opens its robotics classroom to the pupils of School No. 23 twice a week "
            "after lessons; its teacher of technology leads the club."
        ),
        parties=(Party("school:Chirchik:12", PROVIDER), Party("school:Chirchik:23", BENEFICIARY)),
        status=DRAFT, drafted=-1, start=20, end=200,
        obligations=(
            Duty("school:Chirchik:12", "Publish the timetable of the robotics club.", due=25),
        ),
    ),
    # --- in negotiation ------------------------------------------------------------------------
    DemoAgreement(
        title="Inclusive education: network course for teachers of Zangiota and Yangiyul",
        kind=NETWORK_PROGRAMME,
        description=(
            "A network course on teaching children with special educational needs in ordinary "
            "classes, taught by the IRO and the university's department of pedagogy in two schools."
        ),
        parties=(Party("iro", PROVIDER), Party("cspu", PARTNER), Party("school:Zangiota:24", BENEFICIARY),
                 Party("school:Yangiyul:15", BENEFICIARY)),
        status=NEGOTIATION, drafted=-25, start=40, end=220,
    ),
    DemoAgreement(
        title="Experimental testing of digital mathematics textbooks",
        kind=RESEARCH,
        description=(
            "Grade 7 classes of School No. 1, Nurafshon, use the digital mathematics textbook for a "
            "year; the Kori Niyoziy Institute and the university compare the results with the "
            "printed textbook."
        ),
        parties=(Party("rips", INITIATOR), Party("cspu", PARTNER), Party("school:Nurafshon:1", PARTNER)),
        status=NEGOTIATION, drafted=-30, start=45, end=410,
    ),
    DemoAgreement(
        title="Internships of power-engineering students at Almalyk MMC",
        kind=INTERNSHIP,
        description=(
            "Third-year students of power engineering of the Angren technical school do their "
            "production internship at the combine's power supply department."
        ),
        parties=(Party("tech-angren", INITIATOR), Party("almalyk-mmc", PROVIDER)),
        status=NEGOTIATION, drafted=-14, start=50, end=415,
    ),
    DemoAgreement(
        title="Teaching olympiads for young teachers of the region",
        kind=MEMORANDUM,
        description=(
            "The Ziyo association runs an annual teaching olympiad for teachers in their first five "
            "years; the IRO prepares the tasks and the regional department rewards the winners."
        ),
        parties=(Party("ziyo", INITIATOR), Party("iro", PARTNER), Party("authority", PARTNER)),
        status=NEGOTIATION, drafted=-20, start=30, end=760,
    ),
    # --- suspended ---------------------------------------------------------------------------
    DemoAgreement(
        title="Internships of construction students at Ohangaronsement",
        kind=INTERNSHIP,
        description=(
            "Students of construction of the Angren technical school do their production internship "
            "in the plant's repair and construction shop."
        ),
        parties=(Party("tech-angren", INITIATOR), Party("ohangaron-cement", PROVIDER)),
        status=SUSPENDED, drafted=-220, signed=-186, start=-180, end=185, changed=-21,
        comment=(
            "Suspended at the request of Ohangaronsement: kiln line No. 2 and the repair shop are "
            "under reconstruction until spring. The internships resume when the shop reopens."
        ),
        obligations=(
            Duty("ohangaron-cement", "Host 20 students for the autumn internship.", due=-60, done=-62),
        ),
    ),
    DemoAgreement(
        title="IRO distance-learning studio for the Ziyo association",
        kind=RESOURCE_SHARING,
        description=(
            "The Ziyo association records its master classes for young teachers in the IRO "
            "distance-learning studio twice a month."
        ),
        parties=(Party("iro", PROVIDER), Party("ziyo", BENEFICIARY)),
        status=SUSPENDED, drafted=-150, signed=-125, start=-120, end=245, changed=-10,
        comment=(
            "The studio is closed for renovation; recordings resume once the works are finished "
            "(expected in six weeks)."
        ),
    ),
    # --- expired ------------------------------------------------------------------------------
    DemoAgreement(
        title="Winter school of project-based learning for teachers of Bekabad",
        kind=NETWORK_PROGRAMME,
        description=(
            "A one-week winter school of the IRO on project-based learning for teachers of two "
            "Bekabad schools, with projects carried out in the spring term."
        ),
        parties=(Party("iro", PROVIDER), Party("school:Bekabad:3", BENEFICIARY),
                 Party("school:Bekabad:11", BENEFICIARY)),
        status=EXPIRED, drafted=-370, signed=-336, start=-330, end=-240,
        obligations=(
            Duty("iro", "Hold the winter school for 40 teachers.", due=-320, done=-322),
            Duty("school:Bekabad:3", "Present the pupils' projects at the district conference.",
                 due=-245, done=-246),
        ),
    ),
    DemoAgreement(
        title="Summer internships of NUST MISIS students at Uzmetkombinat",
        kind=INTERNSHIP,
        description=(
            "Summer internships of metallurgy students of the Almalyk branch of NUST MISIS in the "
            "steelmaking shop of Uzmetkombinat."
        ),
        parties=(Party("misis", INITIATOR), Party("uzmet", PROVIDER)),
        status=EXPIRED, drafted=-540, signed=-505, start=-500, end=-130,
        obligations=(
            Duty("uzmet", "Host 25 students for the summer internship.", due=-150, done=-152),
        ),
    ),
    DemoAgreement(
        title="Pedagogical practice of CSPU students at Preschool No. 12, Chirchik",
        kind=MEMORANDUM,
        description=(
            "Students of preschool education of the university did their pedagogical practice at "
            "Preschool No. 12 with the preschool's educators as supervisors."
        ),
        parties=(Party("cspu", INITIATOR), Party("dmtt-12", PARTNER)),
        status=EXPIRED, drafted=-640, signed=-610, start=-600, end=-275,
    ),
    # --- terminated ---------------------------------------------------------------------------
    DemoAgreement(
        title="Joint research laboratory of STEM didactics",
        kind=RESEARCH,
        description=(
            "A joint laboratory of the university and the Almalyk branch of NUST MISIS for research "
            "in the didactics of mathematics and physics at school."
        ),
        parties=(Party("cspu", INITIATOR), Party("misis", PARTNER)),
        status=TERMINATED, terminated_from=NEGOTIATION, drafted=-90, start=-30, end=700, changed=-40,
        comment=(
            "Negotiations ended: NUST MISIS Almalyk cannot co-fund the laboratory equipment this "
            "year. The parties will return to the proposal in the next budget cycle."
        ),
    ),
    DemoAgreement(
        title="Dual education in rolling production with Uzmetkombinat",
        kind=DUAL_EDUCATION,
        description=(
            "A dual-education group of the Bekabad Metallurgical Technical School in the rolling "
            "shop of Uzmetkombinat."
        ),
        parties=(Party("tech-bekabad", INITIATOR), Party("uzmet", PROVIDER)),
        status=TERMINATED, drafted=-420, signed=-386, start=-380, end=350, changed=-50,
        comment=(
            "Terminated by mutual consent: the rolling shop's training workshop was closed. The "
            "parties are preparing a new agreement on dual education in steelmaking."
        ),
        obligations=(
            Duty("uzmet", "Equip the training workshop in the rolling shop.", due=-300, done=-305),
        ),
    ),
    DemoAgreement(
        title="IT club of School No. 8, Almalyk",
        kind=MEMORANDUM,
        description=(
            "Students of the Almalyk branch of NUST MISIS lead an IT club for the pupils of School "
            "No. 8 twice a week."
        ),
        parties=(Party("misis", PROVIDER), Party("school:Almalyk:8", BENEFICIARY)),
        status=TERMINATED, drafted=-280, signed=-247, start=-240, end=125, changed=-75,
        comment=(
            "Terminated: the school building is closed for capital repairs until next year. The "
            "pupils joined the club at School No. 5, Almalyk."
        ),
    ),
)

SAMARKAND_AGREEMENTS: tuple[DemoAgreement, ...] = (
    DemoAgreement(
        title="Mentoring of young teachers of Samarkand schools",
        kind=MEMORANDUM,
        description=(
            "Lecturers of Samarkand State University and IRO methodologists mentor the teachers in "
            "their first three years at School No. 21, Samarkand."
        ),
        parties=(Party("samsu", INITIATOR), Party("sam-iro", PARTNER), Party("school:Samarkand:21", BENEFICIARY)),
        status=ACTIVE, drafted=-240, signed=-206, start=-200, end=165,
        obligations=(
            Duty("sam-iro", "Hold a seminar for the mentors every term.", due=-40, done=-41),
            Duty("school:Samarkand:21", "Report the young teachers' observed lessons to the university.",
                 due=-8),
        ),
    ),
    DemoAgreement(
        title="Language practice of SamSU philology students at the Tourism Technical School",
        kind=INTERNSHIP,
        description=(
            "Students of foreign philology of the university teach English and French conversation "
            "classes to future guides of the Samarkand Technical School of Tourism and Service."
        ),
        parties=(Party("samsu", PROVIDER), Party("sam-tourism", BENEFICIARY)),
        status=ACTIVE, drafted=-130, signed=-106, start=-100, end=18,
    ),
    DemoAgreement(
        title="English for teachers of Urgut and Jomboy schools",
        kind=NETWORK_PROGRAMME,
        description=(
            "A network course of the IRO in English for teachers of other subjects of two district "
            "schools, towards teaching parts of their subjects in English."
        ),
        parties=(Party("sam-iro", PROVIDER), Party("school:Urgut:14", BENEFICIARY),
                 Party("school:Jomboy:11", BENEFICIARY)),
        status=NEGOTIATION, drafted=-12, start=35, end=250,
    ),
    DemoAgreement(
        title="Dual education in automotive engineering at SamAvto",
        kind=DUAL_EDUCATION,
        description=(
            "Students of the university's engineering programmes train on the SamAvto bus assembly "
            "line under the plant's mentors."
        ),
        parties=(Party("samsu", INITIATOR), Party("samavto", PROVIDER)),
        status=SIGNED, drafted=-40, signed=-5, start=25, end=390,
    ),
)

AGREEMENTS: dict[str, tuple[DemoAgreement, ...]] = {
    "tashkent-region": TASHKENT_AGREEMENTS,
    "samarkand-region": SAMARKAND_AGREEMENTS,
}
