"""Derive the health-condition words the special_category rule knows from ICD-10-CM.

Run by hand when the ICD-10-CM release changes (needs `pip install -e ".[vocabulary]"`):

    python scripts/make_condition_terms.py

It reads the code titles and inclusion terms shipped in the simple-icd-10-cm package (the CDC/CMS
ICD-10-CM tabular list, a US-government work in the public domain) and writes
bot/checks/data/conditions/icd10cm.txt: one condition name a line, as people write it in a post
("Alzheimer's disease" gives "alzheimer's disease", "alzheimer's", "alzheimers"; US spellings gain
British ones). The bot reads only that file, so the package is needed to build, never to run.

Kept: chapters A-Q (diseases, mental and behavioural disorders, pregnancy, congenital conditions),
titles of up to four words once qualifiers are cut ("Other", ", unspecified", "[...]", "NOS").
Left out: chapter R (symptoms: "cough", "fever"), S-T (injuries: fractures, burns), V-Y (external
causes: falls), Z (encounters, circumstances), titles that are ordinary words (`_ORDINARY`) and
body-part or procedure words that say nothing about a condition.
"""

from __future__ import annotations

import re
from importlib.metadata import version
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "bot" / "checks" / "data" / "conditions"

# Chapters of ICD-10-CM whose titles name a condition someone has (by first letter of the code).
_CHAPTERS = "ABCDEFGHIJKLMNOPQ"
_MAX_WORDS = 4
_QUALIFIER = re.compile(
    r"(?i)^(?:other\s+specified|other|unspecified|personal\s+history\s+of|acute|chronic\s+)\s+"
)
_CUT = re.compile(r"(?i)\s*(?:\[[^\]]*\]|\((?:[^)]*)\))")
_JOINS = re.compile(
    r"(?i)\b(?:of|due|with|without|in|to|for|by|from|on|at|as|and|or|nos|nec|other|"
    r"unspecified|specified|classified|elsewhere|site|sites|part|parts|"
    r"region|complicating|following|affecting|involving|associated|induced|related|"
    r"encounter|sequelae|sequela|stage|degree|grade|level|phase|episode|"
    r"left|right|bilateral|unilateral|upper|lower|lobe|lobes|trimester)\b"
)
# Titles that are ordinary English words or say nothing sensitive about someone on their own.
_ORDINARY = frozenset(
    re.findall(
        r"\S+",
        """
    abscess acne ache allergy boil boils bunion callus cold colds corn corns cramp cramps cyst
    cysts dandruff dermatitis eczema fatigue flu gout hay headache headaches hiccough hiccup
    influenza ingrowing insomnia itch lice malaise migraine mumps nausea nail obesity otitis
    pharyngitis pregnancy rash rickets scabies sprain sty stye sunburn tonsillitis toothache
    varicella verruca wart warts wax impacted cerumen conjunctivitis common laryngitis rhinitis
    sinusitis measles chickenpox dyspepsia gastritis gastroenteritis hemorrhoids piles
    constipation diarrhea diarrhoea snoring strain strains stress shock sepsis delirium mania
    neurosis hysteria phobia phobias tic tics stammer stuttering bruxism enuresis pica
    jet lag motion sickness caries myopia hypermetropia astigmatism presbyopia
    absent cardiac hand excessive endocrine fissured hypertonic freckles greyness calculus
    ganglion pain overweight sinus sedative plague thoracic obliteration nail-biting
    thumb-sucking nose-picking streptococcus zoster noma pinta sodoku tokelau infant injury
    lisping lalling amkd rars h-abc lad-i lad-ii lad-iii cmml-1 cmml-2 candidid pintids
    deformity deformities anomaly anomalies disorder disorders disease diseases syndrome
    syndromes condition conditions infection infections complication complications
    """,
    )
)
_AMERICAN = (
    (re.compile(r"(?<![aeo])(?<!\b)emia"), "aemia"),
    (re.compile(r"\bhem(?=[aoi])"), "haem"),
    (re.compile(r"\besophag"), "oesophag"),
    (re.compile(r"\bedema"), "oedema"),
    (re.compile(r"\bestrogen"), "oestrogen"),
    (re.compile(r"tumor\b"), "tumour"),
    (re.compile(r"\bpediatric"), "paediatric"),
    (re.compile(r"\bdiarrhea"), "diarrhoea"),
    (re.compile(r"\bdyslip"), "dyslip"),
    (re.compile(r"\bleukem"), "leukaem"),
    (re.compile(r"\banem"), "anaem"),
    (re.compile(r"\bcesarean"), "caesarean"),
    (re.compile(r"ization\b"), "isation"),
    (re.compile(r"\bfetal"), "foetal"),
)
_EPONYM = re.compile(r"^([a-z][\w-]*)'s\s+(?:disease|syndrome|disorder|palsy|dementia)$")
# Eponyms people write alone ("has Parkinson's"). Others stay whole ("Bell's palsy", "Turner's
# syndrome"): alone they are surnames and pubs ("dinner with Hunter's family").
_SAID_ALONE = frozenset(
    re.findall(
        r"\w+",
        "alzheimer parkinson crohn asperger huntington tourette addison cushing raynaud hodgkin "
        "meniere",
    )
)


def _clean(title: str) -> str | None:
    title = _CUT.sub("", title).split(",")[0].strip().rstrip(".")
    title = _QUALIFIER.sub("", title).strip()
    title = re.sub(r"(?i)\s+mellitus\b", "", title)
    title = re.sub(r"\s+", " ", title).lower()
    words = title.split()
    if not words or len(words) > _MAX_WORDS or _JOINS.search(title):
        return None
    if not re.fullmatch(r"[a-z0-9' -]+", title):
        return None
    if title in _ORDINARY or (len(words) == 1 and len(title) < 4):
        return None
    return title


def _spellings(term: str) -> set[str]:
    out = {term}
    british = term
    for pattern, repl in _AMERICAN:
        british = pattern.sub(repl, british)
    out.add(british)
    for t in list(out):
        m = _EPONYM.match(t)
        if m and m.group(1) in _SAID_ALONE:  # "Alzheimer's disease": "has Alzheimer's"
            name = m.group(1)
            out |= {f"{name}'s", f"{name}s", t.replace("'s ", "s "), t.replace("'s ", " ")}
    return {t for t in out if t not in _ORDINARY}


def derive() -> list[str]:
    import simple_icd_10_cm as cm  # build-time only

    terms: set[str] = set()
    for code in cm.get_all_codes(False):
        if code[0] not in _CHAPTERS or "-" in code or len(code.replace(".", "")) > 4:
            continue
        for title in (cm.get_description(code), *cm.get_inclusion_term(code)):
            cleaned = _clean(title)
            if cleaned:
                terms |= _spellings(cleaned)
    return sorted(terms)


def main() -> None:
    terms = derive()
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / "icd10cm.txt").write_text("\n".join(terms) + "\n", encoding="utf-8")
    print(f"{len(terms)} condition names from simple-icd-10-cm {version('simple-icd-10-cm')}")


if __name__ == "__main__":
    main()
