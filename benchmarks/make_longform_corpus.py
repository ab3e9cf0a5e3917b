"""Write the small procedural long-form corpus used by configs/pretrain_tiny.yaml and the tests.

Three genres of multi-section documents (town reports, field-guide entries, project reviews),
each built from its own sentence templates with a seeded choice of names, numbers and facts.
A document repeats its own entities (a town's name, a bird's colour) across sections, so a
model that reads the whole document predicts it better than one that sees only local context;
documents never share entities on purpose, so the held-out split is made of unseen documents.
Also writes a few think-style writing samples (prompt, think, response) for the mix-in and SFT.

    python benchmarks/make_longform_corpus.py [--out src/longwriter_zero/assets] [--docs 48] [--seed 0]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

SYLL = ["an", "bel", "cor", "dun", "el", "far", "gal", "hol", "ir", "jor", "kel", "lor", "mar", "nor",
        "os", "pel", "quin", "ros", "sel", "tor", "ul", "vor", "wen", "yar", "zel"]
RIVERS = ["Ash", "Birch", "Cold", "Deep", "Elder", "Fern", "Grey", "Hazel", "Iron", "Juniper", "Kestrel"]
INDUSTRIES = ["weaving", "boat building", "cheese making", "glass blowing", "timber", "salt panning",
              "pottery", "copper mining", "rope making", "printing"]
CROPS = ["barley", "rye", "apples", "hops", "flax", "oats", "plums", "beans", "cabbages", "pears"]
SEASONS = ["spring", "summer", "autumn", "winter"]
COLOURS = ["crimson", "slate-blue", "olive", "amber", "ash-grey", "copper", "ivory", "teal", "russet"]
HABITATS = ["reed beds", "pine forests", "sea cliffs", "river meadows", "high moorland", "old orchards",
            "salt marshes", "beech woods"]
FOODS = ["beetles", "seeds", "small fish", "berries", "snails", "moths", "worms", "grasshoppers"]
TEAMS = ["the survey team", "the engineering group", "the field office", "the data unit", "the design studio"]
GOALS = ["a new water supply", "a ferry terminal", "a school library", "a flood barrier", "a rail link",
         "a solar farm", "a market hall", "a cycle network"]
RISKS = ["late deliveries of steel", "a wet season", "rising costs", "staff turnover", "a permit delay",
         "soft ground under the site"]


def name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(SYLL) for _ in range(parts)).capitalize()


def town_report(rng: random.Random) -> str:
    town, river, founder = name(rng), rng.choice(RIVERS), name(rng, 3)
    year, pop = rng.randint(1150, 1850), rng.randint(2, 90) * 1000
    industry, crop, crop2 = rng.choice(INDUSTRIES), rng.choice(CROPS), rng.choice(CROPS)
    festival_season = rng.choice(SEASONS)
    growth = rng.randint(1, 9)
    paras = [
        f"# {town}: a town report\n",
        "## Overview\n",
        f"{town} is a market town on the {river} River with about {pop:,} inhabitants. "
        f"Most people in {town} work in {industry} or on the farms around it, where {crop} is the main crop. "
        f"This report describes the history, the economy, the climate and the culture of {town}, "
        f"and closes with an outlook for the coming decade.\n",
        "## History\n",
        f"{town} was founded in {year} by {founder}, who built a mill where the {river} River is shallow "
        f"enough to cross. For a long time {town} was a small village, and the records of {year + 50} "
        f"list fewer than a hundred households. The town grew when {industry} came to the valley, "
        f"and by {year + 200} {town} had a market square, a bridge over the {river} and a school.\n",
        f"The old mill of {founder} still stands on the bank of the {river} River. "
        f"Today it is a museum about {industry}, and every visitor to {town} is told the story of its founding.\n",
        "## Economy\n",
        f"The economy of {town} rests on two pillars. The first is {industry}: the workshops of {town} "
        f"sell their goods across the region. The second is farming: the fields along the {river} "
        f"grow {crop} and {crop2}. In the last ten years the economy of {town} grew by about {growth} "
        f"percent a year, a little faster than the region as a whole.\n",
        "## Climate\n",
        f"{town} has mild summers and cool, wet winters. The {river} River floods in some years, "
        f"and the farmers of {town} plant {crop} on the higher fields to keep it safe from the water.\n",
        "## Culture\n",
        f"Each {festival_season}, {town} holds a festival in honour of {founder}. "
        f"Boats decorated with {crop2} float down the {river}, and the people of {town} "
        f"share bread, music and stories in the market square.\n",
        "## Outlook\n",
        f"If the growth of about {growth} percent a year continues, {town} will have more than "
        f"{int(pop * (1 + growth / 100) ** 10):,} inhabitants in ten years. The main tasks for {town} "
        f"are housing, protection from the floods of the {river}, and training for young people in {industry}.\n",
    ]
    return "\n".join(paras)


def field_guide(rng: random.Random) -> str:
    bird, colour, habitat = name(rng) + " " + rng.choice(["warbler", "finch", "heron", "thrush", "lark", "plover"]), \
        rng.choice(COLOURS), rng.choice(HABITATS)
    food, food2 = rng.choice(FOODS), rng.choice(FOODS)
    length, eggs, season = rng.randint(9, 60), rng.randint(2, 7), rng.choice(SEASONS)
    status = rng.choice(["common", "scarce", "rare", "declining", "increasing"])
    paras = [
        f"# Field guide: the {bird}\n",
        "## Identification\n",
        f"The {bird} is a bird of about {length} centimetres with {colour} feathers on its back and a paler breast. "
        f"In flight the {bird} shows a {colour} band on each wing. Young birds are duller than adults "
        f"and lack the {colour} band until their first {season}.\n",
        "## Habitat\n",
        f"The {bird} lives in {habitat}. It is {status} across most of its range. "
        f"Where {habitat} are drained or cut down, the {bird} disappears within a few years.\n",
        "## Food\n",
        f"The {bird} feeds mainly on {food}, and in the cold months it also takes {food2}. "
        f"It searches for {food} in the early morning, moving slowly through the {habitat}.\n",
        "## Breeding\n",
        f"The {bird} nests in {season}. The female lays {eggs} eggs, and both parents feed the young "
        f"with {food}. After about three weeks the young leave the nest, but they stay near the "
        f"{habitat} until the end of {season}.\n",
        "## Voice\n",
        f"The song of the {bird} is a short series of clear notes, often given from a high perch in the {habitat}. "
        f"Observers who learn the song find the {bird} far more often than those who search by sight.\n",
        "## Conservation\n",
        f"Because the {bird} is {status}, surveys count it every {season}. Protecting {habitat} "
        f"is the best way to help the {bird}, since it depends on them for food and for nesting.\n",
    ]
    return "\n".join(paras)


def project_review(rng: random.Random) -> str:
    project, team, goal = name(rng) + " " + rng.choice(["Project", "Programme", "Initiative"]), \
        rng.choice(TEAMS), rng.choice(GOALS)
    budget, spent = rng.randint(2, 40), 0
    spent = round(budget * rng.uniform(0.5, 1.2), 1)
    months, done = rng.randint(6, 36), rng.randint(40, 100)
    risk, risk2 = rng.sample(RISKS, 2)
    paras = [
        f"# Review of the {project}\n",
        "## Purpose\n",
        f"The {project} was set up to build {goal}. It is run by {team} with a budget of "
        f"{budget} million and a planned duration of {months} months. This review looks at progress, "
        f"spending and risks, and ends with recommendations for the {project}.\n",
        "## Progress\n",
        f"At the time of this review, {done} percent of the work on {goal} is complete. "
        f"{team.capitalize()} reports that the design of {goal} is finished and that building work "
        f"is under way. The {project} held its last public meeting in {rng.choice(SEASONS)}.\n",
        "## Spending\n",
        f"The {project} has spent {spent} million of its {budget} million budget. "
        + (f"Spending is ahead of progress, so the {project} may need more money before {goal} is finished.\n"
           if spent / budget > done / 100 else
           f"Spending is in line with progress, and the {project} expects to finish {goal} within budget.\n"),
        "## Risks\n",
        f"The main risk to the {project} is {risk}. A second risk is {risk2}. "
        f"{team.capitalize()} has a plan for both, but {risk} could still delay {goal} by several months.\n",
        "## Recommendations\n",
        f"We recommend that {team} report on {risk} every month, that the {project} keep a reserve "
        f"of at least ten percent of its {budget} million budget, and that the public be told about "
        f"progress on {goal} at least twice a year.\n",
    ]
    return "\n".join(paras)


GENRES = [town_report, field_guide, project_review]


def think_samples(rng: random.Random, n: int) -> list[dict]:
    rows = []
    for i in range(n):
        genre = GENRES[i % len(GENRES)]
        doc = genre(rng)
        title = doc.splitlines()[0].lstrip("# ").strip()
        sections = [ln[3:] for ln in doc.splitlines() if ln.startswith("## ")]
        rows.append({
            "prompt": f"Write a structured document titled '{title}' with the sections {', '.join(sections)}.",
            "think": f"The reader wants a clear, factual document. I will write {len(sections)} sections in this "
                     f"order: {', '.join(sections)}. Each section gets one or two short paragraphs, and the "
                     f"names and numbers stay consistent from start to end.",
            "response": "\n".join(doc.splitlines()[1:]).strip(),
        })
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="src/longwriter_zero/assets")
    ap.add_argument("--docs", type=int, default=48)
    ap.add_argument("--samples", type=int, default=24)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    rng = random.Random(a.seed)
    corpus = Path(a.out) / "longform_corpus"
    corpus.mkdir(parents=True, exist_ok=True)
    for i in range(a.docs):
        genre = GENRES[i % len(GENRES)]
        suffix = ".md" if i % 2 == 0 else ".txt"
        (corpus / f"{i:03d}_{genre.__name__}{suffix}").write_text(genre(rng), encoding="utf-8")
    with (Path(a.out) / "writing_samples_tiny.jsonl").open("w", encoding="utf-8") as f:
        for row in think_samples(rng, a.samples):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"wrote {a.docs} documents to {corpus} and {a.samples} samples to {a.out}/writing_samples_tiny.jsonl")


if __name__ == "__main__":
    main()
