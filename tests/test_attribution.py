"""Claimers and attribution chains from spaCy's parse (workbench.language.attribution).

Every sentence here is made up for these tests; none comes from the seeds, the eval fixtures or
a data set (those are evaluation data: scripts/measure_attribution.py measures on them).
"""

from __future__ import annotations

import re
import threading
from pathlib import Path
from typing import Any

import pytest

from workbench.core.cache import ResponseCache, cache_key
from workbench.language.attribution import Attribution, attribute, parser_identity
from workbench.language.sources import AUTHOR, same_source

# Places named in the sentences below: never a claimer option unless they assert something.
PLACES = {"Lisbon", "Portugal", "Oslo", "Harwick", "Brenmoor", "the Vale of Orm", "Tuscany",
          "Calder Bay", "Geneva"}


@pytest.mark.parametrize(
    ("sentence", "before", "claimer", "chain"),
    [
        # "..., the mayor said."
        ("The tram line to the harbour will reopen in March, the mayor said.", "",
         "the mayor", [AUTHOR, "the mayor"]),
        # "A government spokesperson told reporters ..."
        ("A government spokesperson told reporters in Lisbon that the fuel tax would not rise.",
         "", "A government spokesperson", [AUTHOR, "A government spokesperson"]),
        # "Scientists at the university found that ..."
        ("Scientists at the university found that the new filter removed most microplastics.",
         "", "Scientists at the university", [AUTHOR, "Scientists at the university"]),
        # "According to the ministry, ..."
        ("According to the ministry, 4,000 teachers left the profession last year.", "",
         "the ministry", [AUTHOR, "the ministry"]),
        # nested: "X reports that Y said ..."
        ("The Harwick Courier reports that the fire chief said the blaze was started "
         "deliberately.", "",
         "the fire chief", [AUTHOR, "The Harwick Courier", "the fire chief"]),
        # nested, with "according to" outside a reporting verb
        ("According to the union, managers told staff that the depot would close in June.", "",
         "managers", [AUTHOR, "the union", "managers"]),
        # the source after the verb
        ("Water is being rationed in the old town, reports Okonkwo.", "",
         "Okonkwo", [AUTHOR, "Okonkwo"]),
        ("\u201cThe bridge is safe,\u201d said Priya Raman, the county engineer.", "",
         "Priya Raman", [AUTHOR, "Priya Raman"]),
        # passive with an agent
        ("It was reported by the regional broadcaster that two ferries had been cancelled.", "",
         "the regional broadcaster", [AUTHOR, "the regional broadcaster"]),
        # a pronoun resolved to the person named before it...
        ("She explains that the clinic has had no heating since October.",
         "Marta Kovacs has worked as a nurse in Brenmoor for ten years.",
         "Marta Kovacs", [AUTHOR, "Marta Kovacs"]),
        # ...and dropped when nobody was named
        ("She explains that the clinic has had no heating since October.", "",
         AUTHOR, [AUTHOR]),
        ("He added that the vote would be held on Friday.", "The meeting ran late.",
         AUTHOR, [AUTHOR]),
        # a place and an organisation that assert nothing
        ("Harwick Rovers played their last match in Calder Bay in 1998.", "",
         AUTHOR, [AUTHOR]),
        ("The storm flooded three villages near Oslo and closed the airport.", "",
         AUTHOR, [AUTHOR]),
        # the author's own statement
        ("The bakery on Mill Street has sold bread since 1921.", "", AUTHOR, [AUTHOR]),
        # "police found a body" is no finding: "find" counts only with a clause
        ("Police found a stolen van in a car park in Harwick.", "", AUTHOR, [AUTHOR]),
        # a person by their name, without title (evals/GUIDELINES.md 3.4)
        ("Committee chair Rosa Lindqvist said the hearing would resume on Monday.", "",
         "Rosa Lindqvist", [AUTHOR, "Rosa Lindqvist"]),
        # a participle reporting verb speaks for the subject of its clause
        ("Rosa Lindqvist defended the plan, saying it would cut waiting lists by half.", "",
         "Rosa Lindqvist", [AUTHOR, "Rosa Lindqvist"]),
        # a document speaks for its issuer
        ("The council's own traffic survey found that buses were half empty at noon.", "",
         "The council", [AUTHOR, "The council"]),
        ("Figures published by the water board show that leaks fell by a fifth.", "",
         "the water board", [AUTHOR, "the water board"]),
        # publishing is no assertion of the sentence's content
        ("An article published by the Harwick Courier in May contained two errors.", "",
         AUTHOR, [AUTHOR]),
        # chains keep the author and the two innermost speakers
        ("The Harwick Courier reported that the union said managers had told staff that the "
         "depot would close.", "",
         "managers", [AUTHOR, "the union", "managers"]),
        # a saying that did not happen asserts nothing
        ("The minister did not say that the plant would close.", "", AUTHOR, [AUTHOR]),
        ("The coalition may one day say that it was a mistake.", "", AUTHOR, [AUTHOR]),
        # a bare frame just before: its speaker asserts this sentence (GUIDELINES 2.3, example E)
        ("The water has been off for nine days.", "The resident explained that",
         "The resident", [AUTHOR, "The resident"]),
        ("Ten aid workers were injured.", "Aid arrived from Homs. Dana Haddad reports that",
         "Dana Haddad", [AUTHOR, "Dana Haddad"]),
        # ... or a frame that reports an act and hands over ("..., saying"), or a speaker whose
        # quotation the sentence continues (GUIDELINES 3.5)
        ("The water has been off for nine days.", "The resident thanked the crews, saying",
         "The resident", [AUTHOR, "The resident"]),
        ("\"The pumps failed twice.\"", "The mayor said the repairs would take a week.",
         "The mayor", [AUTHOR, "The mayor"]),
        ("The pumps failed twice.", "The mayor said the repairs would take a week.",
         AUTHOR, [AUTHOR]),
        # ... not once another sentence came between, nor over the sentence's own source
        ("The water has been off for nine days.", "The resident explained that. It rained.",
         AUTHOR, [AUTHOR]),
        ("The mayor said the water was back.", "The resident explained that",
         "The mayor", [AUTHOR, "The mayor"]),
    ],
)
def test_claimer_and_chain(sentence: str, before: str, claimer: str, chain: list[str]) -> None:
    found = attribute(sentence, before)
    assert found.claimer == claimer
    assert found.chain == chain
    assert found.options[0] == AUTHOR
    assert any(same_source(claimer, option) for option in found.options)
    assert all(name in found.options for name in chain)
    assert not PLACES & set(found.options)
    assert not {"She", "she", "He", "he"} & set(found.options)


@pytest.mark.parametrize(
    ("sentence", "before", "expected"),
    [
        ("The tram line will reopen in March, the mayor said.", "", [AUTHOR, "the mayor"]),
        # asserting sources first (outermost first), then other names that could assert
        ("The Harwick Courier reports that the Brenmoor Rowing Club sold its boathouse.", "",
         [AUTHOR, "The Harwick Courier", "the Brenmoor Rowing Club"]),
        ("Dr. Ines Falk and the Harwick Water Board said the lake was safe.", "",
         [AUTHOR, "Ines Falk", "the Harwick Water Board"]),
        # a person of the context may go on speaking: offered after the sentence's own names
        ("The fund is empty.", "\u201cWe are out of money,\u201d said treasurer Tom Okafor.",
         [AUTHOR, "Tom Okafor"]),
        # a place is never an option just for being named, in the sentence or before it
        ("Aid convoys arrived in the Vale of Orm on Monday.", "Fighting ended near Tuscany.",
         [AUTHOR]),
    ],
)
def test_options(sentence: str, before: str, expected: list[str]) -> None:
    assert attribute(sentence, before).options == expected


def test_a_place_that_asserts_is_a_source() -> None:
    """A town or country as the subject of a reporting verb speaks through its government."""
    found = attribute("Portugal denied that its warships had entered the strait.")
    assert found.claimer == "Portugal"
    assert found.chain == [AUTHOR, "Portugal"]


@pytest.mark.parametrize(
    ("sentence", "content"),
    [
        ("The opposition leader said rents in the capital had risen by 11 per cent, citing "
         "figures from a tenants' group.", "rents in the capital had risen by 11 per cent"),
        ("Police said three men were arrested on Friday, adding that more arrests were likely.",
         "three men were arrested on Friday"),
        # a participle that is part of what is said stays
        ("Police said the river burst its banks on Monday, flooding 40 homes.",
         "the river burst its banks on Monday, flooding 40 homes"),
    ],
)
def test_a_participle_that_cites_or_adds_is_not_what_is_asserted(
    sentence: str, content: str
) -> None:
    found = attribute(sentence)
    assert found.content is not None
    assert sentence[found.content[0] : found.content[1]] == content


def test_the_place_of_an_opening_dateline_asserts_nothing() -> None:
    found = attribute("Harwick, 3 May 2026 — The water board said it would replace 40 km of "
                      "lead pipe by 2029.")
    assert found.claimer == "The water board"
    assert "Harwick" not in found.options


def test_reporting_verbs_are_listed_as_written() -> None:
    found = attribute("The Harwick Courier reports that the fire chief said the fire was "
                      "deliberate.")
    assert found.verbs == ["reports", "said"]
    assert attribute("According to the ministry, prices rose.").verbs == ["according to"]
    assert attribute("Prices rose.").verbs == []


@pytest.mark.parametrize(
    ("sentence", "parts"),
    [
        # clauses with their own subjects, joined: each apart, without "and", "but" or "that"
        ("The ferry was cancelled on Monday, but the bridge stayed open to traffic.",
         ["The ferry was cancelled on Monday", "the bridge stayed open to traffic"]),
        ("The dam was built in 1961 and the lake flooded three villages, but the valley kept "
         "its railway.",
         ["The dam was built in 1961", "the lake flooded three villages",
          "the valley kept its railway"]),
        # a split that cuts a quotation open reads without its marks
        ('The report "found 40 faults in the wiring and urged a full inspection of the plant."',
         ["The report found 40 faults in the wiring",
          "The report urged a full inspection of the plant"]),
        # "while", "whereas", "although" join two facts as "but" does; "because" an event and
        # its cause, which GUIDELINES 3.1 splits too
        ("The mill closed in 1990 because the mine ran out of coal.",
         ["The mill closed in 1990", "the mine ran out of coal"]),
        ("The union is demanding a pay rise of 9 per cent, while employers have offered 4 per "
         "cent.", ["The union is demanding a pay rise of 9 per cent",
                   "employers have offered 4 per cent"]),
        ("While exports rose by 4 per cent, imports fell sharply in May.",
         ["exports rose by 4 per cent", "imports fell sharply in May"]),
        ("Prices rose while the minister was in office.", []),  # "Prices rose": too short
        # of what the claimer asserts only, not of the saying
        ("Police said the road was closed at noon and that two lorries were towed away.",
         ["the road was closed at noon", "two lorries were towed away"]),
        # one subject for both verbs: the second clause shares it (and "is")
        ("The plant employs 400 people and opened in 2019.",
         ["The plant employs 400 people", "The plant opened in 2019"]),
        ("The charity is feeding 300 families and sheltering 40 children.",
         ["The charity is feeding 300 families", "The charity is sheltering 40 children"]),
        ("Russia's Defense Ministry has closed two bases and moved 400 troops to the border.",
         ["Russia's Defense Ministry has closed two bases",
          "Russia's Defense Ministry has moved 400 troops to the border"]),
        # a negation that may cover both, a pronoun that needs the clause before, a clause too
        # short to stand alone, four clauses (over the extractor's limit with the saying): whole
        ("The council did not close the library and cut two bus routes.", []),
        ("The mill closed in 1990 and it never reopened after the floods.", []),
        ("The mill closed in 1990 and wages fell.", []),
        ("Prices rose in May.", []),
        ("The mill closed in May and the mine flooded in June and the school moved to Orm and "
         "the bank left the town.", []),
    ],
)
def test_parts_are_the_clauses_of_what_is_asserted(sentence: str, parts: list[str]) -> None:
    found = attribute(sentence).parts
    assert [part.text for part in found] == parts
    for part in found:  # each rests on a span that holds every word of it
        words = set(re.findall(r"\w+", sentence[part.start : part.end]))
        assert set(re.findall(r"\w+", part.text)) <= words


def test_results_are_fresh_copies() -> None:
    first = attribute("The tram line will reopen, the mayor said.")
    first.options.append("mutated")
    first.chain.clear()
    again = attribute("The tram line will reopen, the mayor said.")
    assert again.options == [AUTHOR, "the mayor"] and again.chain == [AUTHOR, "the mayor"]
    assert isinstance(again, Attribution)


def test_threads_share_one_pipeline() -> None:
    sentences = [f"Prices rose by {n} percent, the statistics office said." for n in range(12)]
    results: dict[int, str] = {}

    def work(n: int) -> None:
        results[n] = attribute(sentences[n]).claimer

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(sentences))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert set(results.values()) == {"the statistics office"}


def test_same_source() -> None:
    assert same_source("The Health Ministry", "the health ministry")
    assert same_source("Piet Sand's", "Piet Sand")
    assert not same_source("the mayor", "the deputy mayor")


@pytest.mark.parametrize(
    "stored",
    [
        {"claimer": 5},
        {"claimer": "Mayor", "content": [1]},
        {"claimer": "Mayor", "dates": "2017"},
        "not a record",
    ],
    ids=["claimer-not-text", "span-of-one", "dates-not-spans", "not-a-table"],
)
def test_a_remembered_parse_of_another_shape_is_parsed_again(tmp_path: Path, stored: Any) -> None:
    """The response cache keeps each sentence's parse; an entry that does not read back as an
    Attribution (damaged, or written by other code) is a miss, never a wrong option list."""
    store = ResponseCache(tmp_path / "cache")
    sentence, before = "The city spent $3 million on roads, the mayor said on Monday.", ""
    parsed = attribute(sentence, before, store)
    assert parsed.claimer == "the mayor" and parsed.dates
    key = cache_key({"attribution": parser_identity(), "sentence": sentence, "before": before})
    store.set(key, {"attribution": stored, "stage": "attribution", "created": 0.0})
    assert attribute(sentence, before, store) == parsed
    assert store.get(key)["attribution"]["claimer"] == "the mayor"  # written back whole
