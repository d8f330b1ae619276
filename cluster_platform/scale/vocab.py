"""The words the synthetic data is made of: Uzbek (Latin) names of people and institutions,
positions, subjects, titles and comments. Data, not interface text: it is stored as members
would type it, in Uzbek, and is not translated.

No entry holds a tab, a newline or a backslash (checked on import): rows go to COPY as text."""

MALE = (
    "Alisher", "Aziz", "Bobur", "Bekzod", "Davron", "Dilshod", "Eldor", "Farrux", "G'ayrat", "Hasan", "Husan",
    "Ilhom", "Jamshid", "Javlon", "Kamol", "Laziz", "Mansur", "Nodir", "Otabek", "Ravshan", "Rustam", "Sanjar",
    "Sardor", "Sherzod", "Shuhrat", "Temur", "Ulug'bek", "Umid", "Xurshid", "Zafar", "Zohid", "Abdulla", "Akmal",
    "Anvar", "Baxtiyor", "Doniyor", "Islom", "Jahongir", "Komil", "Muhammad", "Nurbek", "Oybek", "Qodir",
    "Rahim", "Sobir", "Tohir", "Valijon", "Yusuf", "Zokir", "Behruz",
)
FEMALE = (
    "Aziza", "Barno", "Dilnoza", "Dildora", "Feruza", "Gulnora", "Gulchehra", "Hilola", "Iroda", "Kamola",
    "Laylo", "Madina", "Malika", "Muxlisa", "Nigora", "Nilufar", "Nodira", "Oydin", "Ozoda", "Robiya", "Sabina",
    "Sanobar", "Shahlo", "Shahnoza", "Sevara", "Umida", "Xurshida", "Yulduz", "Zarina", "Zuhra", "Mohira",
    "Munisa", "Nargiza", "Dilfuza", "Mavluda", "Gulbahor", "Lola", "Maftuna", "Mohinur", "Charos",
)
SURNAMES = (
    "Abdullayev", "Aliyev", "Azimov", "Bakirov", "Ergashev", "Fayzullayev", "G'aniyev", "Hamidov", "Ibragimov",
    "Ismoilov", "Jo'rayev", "Karimov", "Latipov", "Mahmudov", "Mirzayev", "Nazarov", "Normatov", "Olimov",
    "Qodirov", "Rahimov", "Rashidov", "Saidov", "Salimov", "Sharipov", "Sobirov", "Tursunov", "Umarov",
    "Usmonov", "Valiyev", "Xolmatov", "Yusupov", "Yo'ldoshev", "Zokirov", "Qosimov", "Rahmonov", "To'xtayev",
    "Haydarov", "Mamatov", "Nurmatov", "Ortiqov",
)

TEACHING_SUBJECTS = (
    "Matematika", "Ona tili va adabiyot", "Ingliz tili", "Rus tili", "Fizika", "Kimyo", "Biologiya", "Tarix",
    "Geografiya", "Informatika", "Boshlang'ich ta'lim", "Boshlang'ich ta'lim", "Jismoniy tarbiya", "Musiqa",
    "Tasviriy san'at", "Texnologiya", "Huquq",
)
ACADEMIC_SUBJECTS = (
    "Pedagogika", "Psixologiya", "Matematika", "Fizika", "Kimyo", "Biologiya", "Tarix", "Filologiya",
    "Informatika", "Iqtisodiyot", "Muhandislik", "Xorijiy tillar", "Maktabgacha ta'lim metodikasi",
)
VOCATIONAL_SUBJECTS = (
    "Elektrotexnika", "Payvandlash", "Avtomobil ta'miri", "Tikuvchilik", "Oshpazlik", "Qurilish",
    "Kompyuter texnologiyalari", "Agronomiya", "Buxgalteriya", "Hamshiralik ishi",
)

# Per kind: the head, the deputy, then the positions of the rest with their weights, and the
# subjects they teach (None: no subject).
POSITIONS = {
    "school": ("Direktor", "Direktor o'rinbosari",
               (("O'qituvchi", 20), ("Psixolog", 1), ("Kutubxonachi", 1), ("Metodist", 1)), TEACHING_SUBJECTS),
    "pedagogical_university": ("Rektor", "Prorektor",
                               (("Dotsent", 6), ("Katta o'qituvchi", 6), ("Professor", 2), ("Assistent", 5),
                                ("Kafedra mudiri", 1), ("Dekan", 1)), ACADEMIC_SUBJECTS),
    "university": ("Rektor", "Prorektor",
                   (("Dotsent", 6), ("Katta o'qituvchi", 6), ("Professor", 2), ("Assistent", 5),
                    ("Kafedra mudiri", 1), ("Dekan", 1)), ACADEMIC_SUBJECTS),
    "iro": ("Direktor", "Direktor o'rinbosari",
            (("Metodist", 6), ("Katta o'qituvchi", 4), ("Dotsent", 2), ("Trener", 2)), ACADEMIC_SUBJECTS),
    "college": ("Direktor", "Direktor o'rinbosari",
                (("O'qituvchi", 8), ("Ishlab chiqarish ta'limi ustasi", 4)), VOCATIONAL_SUBJECTS),
    "preschool": ("Mudira", "Metodist", (("Tarbiyachi", 8), ("Logoped", 1), ("Musiqa rahbari", 1)), None),
    "enterprise": ("Direktor", "Bosh muhandis",
                   (("Mutaxassis", 6), ("Ustoz-murabbiy", 3), ("Kadrlar bo'limi boshlig'i", 1)), VOCATIONAL_SUBJECTS),
    "research_institute": ("Direktor", "Ilmiy kotib",
                           (("Katta ilmiy xodim", 4), ("Ilmiy xodim", 6), ("Yetakchi ilmiy xodim", 2)),
                           ACADEMIC_SUBJECTS),
    "authority": ("Boshqarma boshlig'i", "Boshliq o'rinbosari",
                  (("Bosh mutaxassis", 3), ("Yetakchi mutaxassis", 4), ("Inspektor", 2)), None),
    "ngo": ("Rais", "Loyiha koordinatori", (("Loyiha koordinatori", 2), ("Ko'ngilli", 3)), None),
}

STREETS = (
    "Amir Temur", "Mustaqillik", "Navoiy", "Bobur", "Islom Karimov", "Ibn Sino", "Beruniy", "Ulug'bek",
    "Bunyodkor", "Istiqlol", "Do'stlik", "Yoshlik", "Gulzor", "Bog'ishamol", "Oybek", "Cho'lpon",
)

UNIVERSITY_NAMES = (
    "{city} davlat universiteti", "{city} davlat tibbiyot universiteti", "{city} muhandislik-iqtisodiyot instituti",
    "{city} davlat chet tillar instituti", "{city} agrotexnologiyalar instituti", "{city} davlat san'at instituti",
    "{city} axborot texnologiyalari universiteti filiali", "{city} iqtisodiyot va pedagogika universiteti",
    "{city} qurilish-arxitektura instituti", "{city} davlat sport instituti",
)
RESEARCH_NAMES = (
    "Pedagogika fanlari ilmiy-tadqiqot instituti {city} filiali", "Ta'lim sifatini baholash markazi {city} bo'limi",
    "Raqamli ta'lim ilmiy-amaliy markazi ({city})", "Kasbiy ta'limni rivojlantirish instituti {city} filiali",
)
ENTERPRISE_WORDS = (
    "Agro", "Tekstil", "Qurilish", "Energiya", "Avto", "Farm", "Oziq-ovqat", "Metall", "Digital", "Logistika",
    "Kimyo", "Mebel", "Invest", "Servis", "Charm", "Sement", "Paxta", "Meva", "Texno", "Print",
)
ENTERPRISE_FORMS = ("MChJ", "AJ", "XK", "QK")
NGO_WORDS = ("Ziyo", "Kelajak", "Barkamol avlod", "Mehr", "Ilm nuri", "Yosh olimlar", "Ustoz", "Ma'rifat")

SPECIALISATIONS = {
    "pedagogical_university": "Pedagog kadrlar tayyorlash; malaka oshirish; pedagogik tadqiqotlar",
    "university": "Bakalavriat va magistratura; ilmiy tadqiqotlar",
    "iro": "Pedagoglar malakasini oshirish; metodik yordam",
    "college": "Kasbiy ta'lim; dual ta'lim",
    "research_institute": "Ta'lim bo'yicha ilmiy tadqiqotlar",
    "enterprise": "Ishlab chiqarish amaliyoti; ish o'rinlari",
}

STATUS_REASONS = {
    "suspended": ("Hamkorlik majburiyatlari bajarilmadi", "Tashkilot qayta tashkil etilmoqda",
                  "Hisobotlar topshirilmadi"),
    "withdrawn": ("Tashkilot o'z xohishiga ko'ra chiqdi", "Tashkilot tugatildi", "Boshqa klasterga o'tdi"),
    "active": ("Majburiyatlar bajarildi", "Faoliyat tiklandi"),
}
APPLICATION_MOTIVATIONS = (
    "Pedagoglarimiz malakasini oshirish va tajriba almashish uchun",
    "Laboratoriya va ustaxonalarimizni klaster a'zolari bilan bo'lishmoqchimiz",
    "Dual ta'lim dasturlarida ishtirok etish uchun",
    "Innovatsion metodikalarni maktabimizda qo'llash uchun",
)
REJECTION_REASONS = ("Hujjatlar to'liq emas", "Tashkilot boshqa hududda joylashgan", "Soliq raqami tasdiqlanmadi")

AGREEMENT_TITLES = {
    "memorandum": ("Hamkorlik to'g'risida memorandum", "O'zaro hamkorlik memorandumi",
                   "Pedagogik klaster doirasida hamkorlik memorandumi"),
    "network_programme": ("Tarmoq ta'lim dasturini amalga oshirish to'g'risida shartnoma",
                          "Qo'shma ta'lim dasturi bo'yicha shartnoma"),
    "dual_education": ("Dual ta'lim to'g'risida shartnoma", "Ishlab chiqarish amaliyotini tashkil etish shartnomasi"),
    "resource_sharing": ("Resurslardan birgalikda foydalanish to'g'risida shartnoma",
                         "Laboratoriya va zallardan foydalanish shartnomasi"),
    "research": ("Qo'shma ilmiy tadqiqot shartnomasi", "Pedagogik tajriba-sinov ishlari shartnomasi"),
    "internship": ("Amaliyot va ishga joylashtirish to'g'risida shartnoma", "Pedagogik amaliyot shartnomasi"),
}
OBLIGATIONS = (
    "Choraklik hisobot taqdim etish", "Amaliy mashg'ulotlar uchun xona ajratish", "Murabbiy-ustoz biriktirish",
    "Malaka oshirish kursini o'tkazish", "Qo'shma seminar tashkil etish", "Uslubiy qo'llanma tayyorlash",
    "Talabalarni amaliyotga qabul qilish", "Laboratoriya jihozlarini taqdim etish", "Natijalarni muhokama qilish",
)
TERMINATION_REASONS = ("Tomonlarning kelishuviga ko'ra", "Majburiyatlar bajarilmadi", "Tashkilot qayta tashkil etildi")
SUSPENSION_COMMENTS = ("Moliyalashtirish to'xtatildi", "Tomonlardan biri faoliyatini vaqtincha to'xtatdi")

RESOURCES = {
    # kind: (names, capacity range, schedule: "week" opening hours or "always")
    "laboratory": (("Kimyo laboratoriyasi", "Fizika laboratoriyasi", "Biologiya laboratoriyasi",
                    "Robototexnika laboratoriyasi", "Elektrotexnika ustaxonasi", "Payvandlash ustaxonasi"),
                   (8, 30), "week"),
    "classroom": (("Kompyuter sinfi", "Multimedia auditoriyasi", "Trening xonasi", "Ma'ruza zali",
                   "Til o'rganish xonasi"), (15, 60), "week"),
    "equipment": (("3D printer", "Interaktiv doska", "Mobil planshetlar to'plami", "Videokonferensiya jihozi",
                   "Raqamli mikroskoplar"), (1, 30), "week"),
    "hall": (("Majlislar zali", "Sport zali", "Faollar zali", "Konferensiya zali"), (40, 400), "week"),
    "library": (("Axborot-resurs markazi", "Elektron kutubxona o'quv zali"), (20, 80), "week"),
    "digital": (("Moodle masofaviy ta'lim platformasi", "Virtual laboratoriya litsenziyasi",
                 "Onlayn test tizimi"), (20, 300), "always"),
    "expert_time": (("Metodist maslahati", "Psixolog konsultatsiyasi", "Pedagogik mahorat darsi",
                     "Tajribali ustoz bilan mentorlik"), (1, 30), "week"),
    "dormitory": (("Talabalar turar joyi", "Mehmonxona xonalari"), (10, 120), "always"),
}
BOOKING_PURPOSES = (
    "Amaliy mashg'ulot", "Ochiq dars", "Olimpiadaga tayyorgarlik", "Malaka oshirish mashg'uloti", "Seminar",
    "Ota-onalar yig'ilishi", "Trening", "Laboratoriya ishi", "Sport musobaqasi", "Metodik kengash",
    "Master-klass", "Ilmiy-amaliy konferensiya",
)
DECLINE_REASONS = ("Resurs bu vaqtda band", "Ta'mirlash ishlari olib borilmoqda", "So'rov muddati o'tib ketdi")
CANCEL_REASONS = ("Tadbir ko'chirildi", "Ishtirokchilar soni yetarli emas")
HOLIDAYS = ((1, 1, "Yangi yil"), (3, 8, "Xalqaro xotin-qizlar kuni"), (3, 21, "Navro'z"),
            (5, 9, "Xotira va qadrlash kuni"), (9, 1, "Mustaqillik kuni"), (10, 1, "O'qituvchi va murabbiylar kuni"),
            (12, 8, "Konstitutsiya kuni"))

PROGRAMME_TOPICS = (
    "Zamonaviy pedagogik texnologiyalar", "Raqamli ta'lim vositalari", "Inklyuziv ta'lim asoslari",
    "Baholashning xalqaro tizimlari (PISA, TIMSS)", "STEAM yondashuvi", "Loyihaviy ta'lim",
    "Ingliz tilini kommunikativ o'qitish", "Maktab boshqaruvi va liderlik", "Tanqidiy fikrlashni rivojlantirish",
    "Matematika o'qitish metodikasi", "Tabiiy fanlarda amaliy mashg'ulotlar", "Psixologik-pedagogik qo'llab-quvvatlash",
    "Kasbiy ta'limda dual tizim", "Ilmiy tadqiqot metodologiyasi", "Boshlang'ich sinflarda o'qish savodxonligi",
)
PROGRAMME_KINDS = {
    # kind: (title pattern, share of programmes, hours choices, days range, sessions weight, capacity range,
    #        competence codes)
    "professional_development": ("{topic}: malaka oshirish kursi", 45, (36, 72, 144), (14, 60), 8, (25, 160),
                                 ("subject_methods", "digital", "assessment", "inclusive", "psychology")),
    "seminar": ("{topic} bo'yicha seminar", 20, (4, 6, 8), (0, 1), 1.5, (30, 250),
                ("subject_methods", "digital", "leadership", "psychology")),
    "network_degree": ("{topic}: tarmoq magistratura dasturi", 5, (240, 360, 480), (300, 700), 30, (15, 60),
                       ("research", "subject_methods", "leadership")),
    "internship": ("{topic}: pedagogik amaliyot", 10, (72, 108, 144), (30, 90), 6, (10, 60),
                   ("vocational", "subject_methods")),
    "olympiad": ("{topic} bo'yicha o'qituvchilar olimpiadasi", 8, (8, 12, 16), (0, 2), 1.5, (50, 400),
                 ("subject_methods", "stem", "foreign_languages")),
    "research": ("{topic}: qo'shma tadqiqot loyihasi", 12, (100, 200, 300), (180, 540), 10, (5, 30),
                 ("research", "stem", "digital")),
}
AUDIENCES = ("Umumta'lim maktablari o'qituvchilari", "Boshlang'ich sinf o'qituvchilari", "Maktab rahbarlari",
             "Kasb-hunar ta'limi o'qituvchilari", "Yosh pedagoglar", "Maktabgacha ta'lim tarbiyachilari")
WITHDRAWAL_REASONS = ("Boshqa maktabga o'tdi", "Sog'lig'i sababli", "Ish jadvali to'g'ri kelmadi")
CANCELLATION_REASONS = ("Tinglovchilar soni yetarli emas", "Ma'ruzachi kasal bo'lib qoldi")
NEEDS = ("Dual ta'lim bo'yicha ustozlar", "Raqamli ko'nikmalarga ega o'qituvchilar", "Ishlab chiqarish ustalari",
         "Ingliz tili o'qituvchilari", "STEM o'qituvchilari")

INNOVATION_METHODS = (
    "loyihaviy ta'lim texnologiyasi", "aralash (blended) ta'lim modeli", "keys-stadi metodi",
    "geymifikatsiya elementlari", "STEAM-integratsiyalashgan darslar", "formativ baholash tizimi",
    "teskari sinf (flipped classroom) modeli", "tengdoshlar o'rtasida o'qitish", "raqamli portfolio",
    "mentorlik dasturi", "inklyuziv sinf modeli", "o'qish savodxonligi dasturi",
)
INNOVATION_PLACES = (
    "matematika darslarida", "boshlang'ich sinflarda", "ingliz tili darslarida", "tabiiy fanlarda",
    "kasbiy ta'limda", "maktab boshqaruvida", "maktabgacha ta'limda", "informatika darslarida",
    "o'qituvchilar malakasini oshirishda", "ota-onalar bilan ishlashda",
)
INNOVATION_EFFECTS = (
    "O'quvchilarning o'zlashtirish ko'rsatkichi 10-15 foizga oshishi kutilmoqda.",
    "Darsga qatnashmaslik kamayadi, o'quvchilar faolligi oshadi.",
    "O'qituvchilarning raqamli kompetensiyalari rivojlanadi.",
    "Sust o'zlashtiruvchi o'quvchilar bilan ishlash samaradorligi oshadi.",
)
KEYWORDS = ("loyiha", "raqamli", "baholash", "STEAM", "inklyuziya", "mentorlik", "savodxonlik", "motivatsiya",
            "hamkorlik", "tanqidiy fikrlash", "o'yin", "portfolio", "dual ta'lim", "boshqaruv")
REVIEW_COMMENTS = {
    "pilot": ("Yangilik dolzarb, sinovdan o'tkazishni tavsiya etaman.", "Metodika puxta ishlab chiqilgan."),
    "revise": ("Kutilayotgan natijalarni o'lchash usulini aniqlashtiring.", "Amaliy misollar yetarli emas."),
    "reject": ("Yangilik darajasi past.", "Mavjud metodikalardan farqi ko'rsatilmagan."),
}
DECISION_COMMENTS = {
    "revision_requested": "Ekspertlar izohlariga ko'ra qayta ishlang.",
    "rejected": "Ekspertiza natijasiga ko'ra rad etildi.",
    "archived": "Arxivga o'tkazildi.",
}
MEASURES = (
    # name, unit, baseline, change, higher is better
    ("O'quvchilarning o'rtacha bahosi", "ball", 3.6, 0.4, True),
    ("Test natijalari", "%", 58.0, 9.0, True),
    ("Darsga qatnashmaslik", "%", 8.0, -2.5, False),
    ("O'qituvchilar qoniqishi", "%", 62.0, 12.0, True),
    ("Olimpiada ishtirokchilari", "nafar", 12.0, 5.0, True),
)
ADOPTION_FEEDBACK = {
    "planned": ("Joriy etish rejalashtirilmoqda.",),
    "in_progress": ("Ikki sinfda sinab ko'rilmoqda.", "O'qituvchilar o'qitildi, joriy etilmoqda."),
    "adopted": ("Barcha sinflarda qo'llanilmoqda.", "Natijalar ijobiy, davom ettiramiz."),
    "abandoned": ("Resurslar yetishmadi.", "Kutilgan natija bermadi."),
}
SUBJECT_FIELDS = ("preschool", "primary", "mathematics", "sciences", "languages", "humanities", "arts", "digital",
                  "inclusive", "vocational", "management", "psychology")


def _check(value) -> None:
    if isinstance(value, str):
        if any(ch in value for ch in "\t\n\r\\"):
            raise ValueError(f"vocab: {value!r} holds a character COPY would need escaped")
    elif isinstance(value, dict):
        for item in value.values():
            _check(item)
    elif isinstance(value, (tuple, list)):
        for item in value:
            _check(item)


for _name, _value in list(globals().items()):
    if _name.isupper():
        _check(_value)
