"""The four information pages, in Danish and English; coordinators edit them afterwards."""

from django.db import migrations

PAGES = [
    {
        "slug": "naloxon",
        "position": 1,
        "title_da": "Hvad er naloxon?",
        "title_en": "What is naloxone?",
        "body_da": (
            "Naloxon er en modgift mod opioider som heroin, metadon, morfin og fentanyl. "
            "Ved en overdosis kan naloxon få personen til at trække vejret igen.\n\n"
            "Naloxon gives som næsespray. Det virker kun på opioider og gør ikke skade, "
            "hvis personen ikke har taget opioider.\n\n"
            "Virkningen holder kortere end mange opioider. Overdosen kan derfor komme igen: "
            "ring altid 112, og bliv hos personen.\n\n"
            "På et RED LIV-kursus lærer du at give naloxon og førstehjælp, og du får et gratis naloxon-kit "
            "med næsespray, handsker og en ventilationsmaske. Naloxon er receptpligtig medicin; "
            "programmet er dækket af en tilsynslæge."
        ),
        "body_en": (
            "Naloxone is an antidote to opioids such as heroin, methadone, morphine and fentanyl. "
            "At an overdose, naloxone can make the person breathe again.\n\n"
            "Naloxone is given as a nasal spray. It only works on opioids and does no harm "
            "if the person has not taken opioids.\n\n"
            "Its effect wears off sooner than many opioids, so the overdose can come back: "
            "always call 112, and stay with the person.\n\n"
            "At a RED LIV course you learn to give naloxone and first aid, and you get a free naloxone kit "
            "with the nasal spray, gloves and a ventilation mask. Naloxone is prescription medicine; "
            "the programme is covered by a supervising physician."
        ),
    },
    {
        "slug": "overdosis",
        "position": 2,
        "title_da": "Hvad gør jeg ved en overdosis?",
        "title_en": "What do I do at an overdose?",
        "body_da": (
            "Tegn på en opioid-overdosis: personen reagerer ikke, trækker vejret langsomt eller slet ikke, "
            "har blå eller grå læber, og pupillerne er meget små.\n\n"
            "1. Tjek om personen reagerer og trækker vejret: råb, ryst skuldrene, se, lyt og føl.\n"
            "2. Ring 112, og sig at personen ikke trækker vejret normalt.\n"
            "3. Giv førstehjælp: frie luftveje og indblæsninger (brug ventilationsmasken fra kittet).\n"
            "4. Giv naloxon: ét pust næsespray i det ene næsebor. Virker det ikke efter 2–3 minutter, "
            "giv den anden dosis i det andet næsebor.\n"
            "5. Læg personen i stabilt sideleje, når vejrtrækningen er kommet igen.\n"
            "6. Bliv hos personen, til hjælpen kommer. Overdosen kan komme igen, når naloxonen holder op "
            "med at virke.\n"
            "7. Fortæl det bagefter til personalet, der gav dig kittet, så du kan få et nyt, "
            "og så brugen bliver afrapporteret.\n\n"
            "Du må gerne være anonym. Du hjælper ved at handle."
        ),
        "body_en": (
            "Signs of an opioid overdose: the person does not respond, breathes slowly or not at all, "
            "has blue or grey lips, and very small pupils.\n\n"
            "1. Check whether the person responds and breathes: shout, shake the shoulders, look, listen and feel.\n"
            "2. Call 112, and say that the person is not breathing normally.\n"
            "3. Give first aid: open the airway and give rescue breaths (use the ventilation mask from the kit).\n"
            "4. Give naloxone: one spray in one nostril. If it has not worked after 2–3 minutes, "
            "give the second dose in the other nostril.\n"
            "5. Put the person in the recovery position once they breathe again.\n"
            "6. Stay with the person until help comes. The overdose can come back when the naloxone wears off.\n"
            "7. Tell the staff who gave you the kit afterwards, so you get a new one and the use is reported.\n\n"
            "You may stay anonymous. Acting is what helps."
        ),
    },
    {
        "slug": "sikrere-brug",
        "position": 3,
        "title_da": "Sikrere brug",
        "title_en": "Safer use",
        "body_da": (
            "Hvis du bruger stoffer, kan du mindske risikoen for en overdosis:\n\n"
            "- Brug ikke alene. Sørg for, at nogen kan hjælpe dig.\n"
            "- Tag en lille prøve først, især når du har fået stof fra en ny kilde.\n"
            "- Vær ekstra forsigtig efter en pause, fx efter fængsel, behandling eller indlæggelse: "
            "kroppen tåler mindre.\n"
            "- Bland ikke opioider med alkohol, benzodiazepiner eller andre beroligende stoffer.\n"
            "- Hav naloxon med, og fortæl dine venner, hvor det er.\n\n"
            "Tag et gratis RED LIV-kursus, så du kan hjælpe andre – og de kan hjælpe dig."
        ),
        "body_en": (
            "If you use drugs, you can lower the risk of an overdose:\n\n"
            "- Do not use alone. Make sure someone can help you.\n"
            "- Try a small amount first, especially from a new source.\n"
            "- Take extra care after a break, such as after prison, treatment or hospital: "
            "your body tolerates less.\n"
            "- Do not mix opioids with alcohol, benzodiazepines or other sedatives.\n"
            "- Carry naloxone, and tell your friends where it is.\n\n"
            "Take a free RED LIV course, so you can help others – and they can help you."
        ),
    },
    {
        "slug": "om-netvaerket",
        "position": 4,
        "title_da": "Om netværket",
        "title_en": "About the network",
        "body_da": (
            "RED LIV er Odense Kommunes netværk mod overdosisdødsfald, drevet sammen med Antidote Danmark.\n\n"
            "I netværket er blandt andre:\n\n"
            "- Odense Kommune, RED LIV\n"
            "- Antidote Danmark\n"
            "- Fyns Politi\n"
            "- Socialsygeplejerskerne\n"
            "- Kirkens Korshær\n\n"
            "Vi holder kurser som drop-in, pop-up på gaden, online, efter aftale og på egen matrikel hos "
            "vores partnere. Netværket uddanner også nye trænere og mødes jævnligt.\n\n"
            "Vi passer på hinanden."
        ),
        "body_en": (
            "RED LIV is Odense Kommune's network against overdose deaths, run together with Antidote Danmark.\n\n"
            "The network includes:\n\n"
            "- Odense Kommune, RED LIV\n"
            "- Antidote Danmark\n"
            "- Funen Police\n"
            "- The social nurses\n"
            "- Kirkens Korshær (the Church Army)\n\n"
            "We hold courses as drop-in, pop-up on the street, online, by appointment and on-site at our "
            "partners' premises. The network also trains new trainers and meets regularly.\n\n"
            "We look after each other."
        ),
    },
]


def add_pages(apps, schema_editor):
    InfoPage = apps.get_model("finder", "InfoPage")
    for page in PAGES:
        InfoPage.objects.get_or_create(slug=page["slug"], defaults=page)


class Migration(migrations.Migration):
    dependencies = [("finder", "0001_info_pages_and_request_throttle")]

    operations = [migrations.RunPython(add_pages, migrations.RunPython.noop)]
