"""The bank format as pydantic models: used only to validate a bank file as it is read."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from quiz.model import MAX_NUMBER as MAX_NUMBER  # defined with the plain data, used here and by the cache
from quiz.model import MAX_TEXT
from quiz.model import SLUG_PATTERN as SLUG_PATTERN

Text = Annotated[str, Field(max_length=MAX_TEXT)]  # every text of a bank is bounded (README, Limits)


def _no_blank(terms: list[str]) -> list[str]:
    if any(not t.strip() for t in terms):
        raise ValueError("a term must not be blank: write the words, or leave the term out")
    return terms


Terms = Annotated[list[Text], AfterValidator(_no_blank)]


def _two_or_more(groups: list[list[str]]) -> list[list[str]]:
    if any(len(set(g)) < 2 for g in groups):
        raise ValueError("a set of contrasts or synonyms names two words or phrases at least")
    return groups


#: Contrasts (one excludes the others) or synonyms (said for one another): lists of words or phrases.
Groups = Annotated[list[Terms], AfterValidator(_two_or_more)]


class KeyPointSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    point: str = Field(min_length=1, max_length=MAX_TEXT)
    terms: Terms = Field(default_factory=list)
    subject: Terms = Field(default_factory=list)
    contrasts: Groups = Field(default_factory=list)
    core: bool = False  # an interviewer's must-hear: missed, the answer is at most Hard


class FactSchema(BaseModel):
    """A bank's fact: a statement checked in every answer for contradictions only."""

    model_config = ConfigDict(extra="forbid")

    fact: str = Field(min_length=1, max_length=MAX_TEXT)
    subject: Terms = Field(min_length=1)
    terms: Terms = Field(min_length=1)
    contrasts: Groups = Field(default_factory=list)


class PitfallSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    claim: str = Field(min_length=1, max_length=MAX_TEXT)
    terms: Terms = Field(min_length=1)
    correction: str = Field(min_length=1, max_length=MAX_TEXT)
    since: Text | None = None
    reference: Text | None = None
    subject: Terms = Field(default_factory=list)


class BankPitfallSchema(PitfallSchema):
    """A bank's pitfall: checked in every answer of the bank, listed under the questions it names
    (`questions`: ids) and under every question with one of its `tags`."""

    questions: list[Annotated[str, Field(pattern=SLUG_PATTERN, max_length=80)]] = Field(default_factory=list)
    tags: list[Text] = Field(default_factory=list)


class ChoiceSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    correct: bool = False
    feedback: Text | None = None


def _a_choice_question(options: list[ChoiceSchema]) -> list[ChoiceSchema]:
    right = sum(o.correct for o in options)
    if len(options) < 2 or not right or right == len(options):
        raise ValueError("a choice question has two options at least, at least one `correct: true` "
                         "and one wrong (one right option: choose one; several: select every right one)")
    texts = [o.text.strip() for o in options]
    if len(set(texts)) < len(texts):
        twice = next(t for t in texts if texts.count(t) > 1)
        raise ValueError(f"the option '{twice}' is written twice")
    return options


class QuestionSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    number: int | None = Field(default=None, ge=1, le=MAX_NUMBER)
    question: str = Field(min_length=1, max_length=MAX_TEXT)
    answer: str = Field(min_length=1, max_length=MAX_TEXT)
    key_points: list[KeyPointSchema]  # empty (an imported question): validate warns, the drill self-rates
    tags: list[Text] = Field(default_factory=list)
    difficulty: int = Field(default=2, ge=1, le=3)
    demo: Text | None = None
    errata: Text | None = None
    pitfalls: list[PitfallSchema] = Field(default_factory=list)
    follow_ups: list[Text] = Field(default_factory=list)
    references: list[Text] = Field(default_factory=list)
    choices: Annotated[list[ChoiceSchema], AfterValidator(_a_choice_question)] | None = None
    contrasts: Groups = Field(default_factory=list)
    synonyms: Groups = Field(default_factory=list)


class BankFileSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    bank_id: str | None = Field(default=None, pattern=SLUG_PATTERN, max_length=80)
    deck: Text | None = None
    contrasts: Groups = Field(default_factory=list)
    synonyms: Groups = Field(default_factory=list)
    facts: list[FactSchema] = Field(default_factory=list)
    pitfalls: list[BankPitfallSchema] = Field(default_factory=list)
    questions: list[dict[str, Any]] = Field(default_factory=list)


class EditSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: str = Field(min_length=1)
    through: str | None = Field(default=None, min_length=1)
    replace: str


class ExerciseSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    title: str = Field(min_length=1)
    task: str = Field(min_length=1)
    edits: list[EditSchema] = Field(min_length=1)


class ExerciseFileSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    exercises: list[ExerciseSchema] = Field(min_length=1)


class MutantSchema(BaseModel):
    """A mutant: an exercise nobody is asked to fix (no task, no TODO), which the tour must catch."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(pattern=SLUG_PATTERN, max_length=80)
    title: str = Field(min_length=1)
    edits: list[EditSchema] = Field(min_length=1)


class MutantFileSchema(BaseModel):
    model_config = ConfigDict(extra="forbid")

    mutants: list[MutantSchema] = Field(min_length=1)
