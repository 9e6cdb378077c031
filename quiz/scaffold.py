"""`quiz new BANK_DIR`: a bank folder an instructor starts from.

    BANK_DIR/
      questions.yaml            one example question, its fields explained in comments
      demos/path_parameters.py  its demo: a FastAPI app and a tour that checks the answer
      README.md                 how to write questions and demos, and the commands to check them

The example passes `quiz validate --strict`, `quiz --bank BANK_DIR demo path-parameters`
runs and passes, and `quiz --bank BANK_DIR show 1` shows it.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from quiz.errors import QuizError
from quiz.export import shell_quote

EXAMPLE_ID = "path-parameters"
BANK_FILE = "questions.yaml"
DEMO_FILE = "demos/path_parameters.py"

BANK_TEMPLATE = """\
# A quiz bank: the questions of one deck. Check it with `quiz validate {bank_dir} --strict`.
# Every question needs id, question, answer and key_points; the rest is optional.
bank_id: {bank_id}   # the bank's identity: progress and Anki notes are keyed by it. Never change it
deck: {deck}
contrasts:                      # words of which one excludes the others: a statement said with one
  - ["422", "400"]              # swapped for another is a contradiction (see the second key point)
synonyms:                       # words candidates say for one another: every term matches in either
  - [endpoint, path operation]
facts:                          # statements checked in every answer for contradictions only: never
  - fact: A parameter is converted before the endpoint runs   # credited, never required; said the
    subject: [converted, validated]                           # other way round ("it is validated
    terms: [before the endpoint, before the function]         # after the endpoint runs") they cap
    contrasts: [[before, after]]                              # the rating at Hard
pitfalls:                       # bank-wide pitfalls: looked for in every answer, whatever the question
  - claim: Read a model's data with .dict() and build one with parse_obj().
    terms: [".dict()", "parse_obj"]
    correction: Pydantic v2 names them model_dump() and model_validate().
    since: Pydantic 2.0
    reference: https://docs.pydantic.dev/latest/migration/
    questions: [path-parameters]  # listed (shown, exported) under these questions; or tags: [basics]
questions:
  - id: path-parameters         # a stable slug: progress is keyed by it, so never reuse one
    number: 1                   # the order, and a handle: `quiz show 1`
    question: How does FastAPI read and validate a path parameter?
    answer: |                   # Markdown; fenced code is highlighted in exports
      A path parameter is a named part of the path, `{{item_id}}` in `/items/{{item_id}}`.
      FastAPI passes it to the function parameter of the same name and converts it to the
      parameter's type annotation: with `item_id: int`, `/items/42` gives the integer `42`.

      A value that does not convert is rejected before the endpoint runs: `/items/abc`
      answers **422 Unprocessable Content** with a JSON body that names the parameter and the
      problem. Constraints such as `Path(ge=1)` are checked the same way, and the parameter
      appears in the OpenAPI schema with its type.

      ```python
      from typing import Annotated

      from fastapi import FastAPI, Path

      app = FastAPI()

      @app.get("/items/{{item_id}}")
      def read_item(item_id: Annotated[int, Path(ge=1)]):
          return {{"item_id": item_id}}
      ```
    key_points:                 # what a good spoken answer mentions: they drive the score
      - point: The value is converted to the type annotation
        terms: [type annotation, converted, "int", type hint]   # words that show the point was made
        core: true              # what an interviewer must hear: every core point and one more
      - point: An invalid value answers 422 before the endpoint runs   # said -> at least Good
        subject: [invalid value, does not convert, wrong type, bad value]   # a statement: terms said of it
        terms: ["422", validation error, unprocessable]   # "an invalid value gives 400" contradicts it
        core: true
      - point: Constraints such as Path(ge=1) are validated too
        terms: ["Path(ge=1)", "Path()", constraint, validated the same way]
    tags: [basics, validation]  # the first tag is the topic
    difficulty: 1               # 1 to 3
    demo: {demo}       # demos/path_parameters.py beside this file (or a path relative to it)
    pitfalls:                   # wrong or outdated claims: an answer that makes one is told so
      - claim: The parameter arrives as a string and you convert it with int() yourself.
        terms: [arrives as a string, convert it yourself, "int(item_id)"]   # same matching as key_points
        correction: >-          # what holds today: shown in red under the answer that made the claim
          FastAPI converts it to the annotated type before the endpoint runs, and answers 422
          when it cannot.
        since: predates every supported version   # optional: the version in which this changed
        reference: https://fastapi.tiangolo.com/tutorial/path-params/   # optional
      - claim: A value of the wrong type gets 400 Bad Request.
        subject: [wrong type, invalid value, bad value]   # optional: a statement, its terms said of these
        terms: ["400", bad request]
        correction: FastAPI answers 422 and names the parameter in the error.
    choices:                    # optional: your own choice question for the LMS and the handout
      - text: 422, with a body that names the parameter   # (`export --questions choice`); without
        correct: true                                      # it, one is made from the key points
        feedback: Validation fails before the endpoint runs.   # and the pitfalls
      - text: 400 Bad Request
        feedback: FastAPI answers a request that fails validation with 422, not 400.
      - text: 500, when int() fails inside the endpoint
        feedback: The endpoint never runs with a value that does not convert.
    follow_ups:
      - How would you accept only a fixed set of values in a path parameter?
      - What is the difference between a path parameter and a query parameter?
    references:
      - https://fastapi.tiangolo.com/tutorial/path-params/
      - https://fastapi.tiangolo.com/tutorial/path-params-numeric-validations/
"""

DEMO_TEMPLATE = '''\
"""Path parameters: converted to their annotated type, and validated before the endpoint runs.

Run it alone: fastapi dev path_parameters.py
"""

from typing import Annotated

from fastapi import FastAPI, Path

app = FastAPI(title="Path parameters demo")


@app.get("/items/{item_id}")
def read_item(item_id: Annotated[int, Path(ge=1)]):  # <- converted to int, must be >= 1
    return {"item_id": item_id, "type": type(item_id).__name__}


# --- tour ---


def tour(t):
    t.step("The path parameter arrives converted to the type its annotation names.")
    r = t.get("/items/42")
    t.check("200 with the integer 42", r.status_code == 200 and r.json()["item_id"] == 42, r.text)
    t.check("the endpoint saw an int, not a str", r.json()["type"] == "int")

    t.step("A value that does not convert is answered 422 before the endpoint runs.")
    r = t.get("/items/abc")
    t.check("422 for /items/abc", r.status_code == 422, str(r.status_code))
    t.check("the error names the parameter", r.json()["detail"][0]["loc"] == ["path", "item_id"])

    t.step("Constraints such as Path(ge=1) are validated the same way.")
    r = t.get("/items/0")
    t.check("422 for /items/0", r.status_code == 422, str(r.status_code))
'''

README_TEMPLATE = """\
# {deck}

A question bank for `quiz`, the FastAPI interview drill.

## What is here

- `questions.yaml`: the questions. Each needs `id` (a stable slug: progress is keyed by
  it), `question`, `answer` (Markdown) and `key_points` (what a good spoken answer
  mentions, with the `terms` that show it). Optional: `number`, `tags` (the first is the
  topic), `difficulty` (1 to 3), `demo`, `errata`, `pitfalls` (wrong or outdated claims,
  each with `claim`, `terms`, `correction` and optionally `since` and `reference`: an
  answer that asserts one is shown the correction and rated at most Hard), `choices`
  (your own choice question for `quiz export --questions choice`: options with `text`,
  `correct: true` on the right ones, and `feedback`; one right option asks to choose one,
  several to select every right one), `follow_ups`, `references`. Unknown keys are errors.
  Split the bank into several `.yaml` files whenever you like: the folder is read in name
  order.
- `demos/`: one FastAPI app per demo. A demo file defines `app`, then a line
  `# --- tour ---`, then `def tour(t)`: steps (`t.step("...")`), requests (`t.get`,
  `t.post`, ...) and checks (`t.check("claim", ok)`). A failed check fails the demo. Mark
  the lines that matter with `# <-`. A question names its demo by slug (`path-parameters`
  finds `demos/path_parameters.py` beside the bank file, then among quiz's own demos) or
  by a path relative to its bank file (`demos/path_parameters.py`), inside the bank's folder.
  A demo is code: whoever uses your bank approves each demo file the first time it runs.

## Check and use it

```console
quiz validate {bank_dir} --strict          # every problem of every file, at once
quiz --bank {bank_dir} list
quiz --bank {bank_dir} show 1
quiz --bank {bank_dir} demo {example}     # run the demo's tour: every check must pass
quiz --bank {bank_dir} demo {example} --serve
quiz --bank {bank_dir}                     # drill these questions
quiz --bank {bank_dir} export --format apkg -o deck.apkg
```

Export formats: `quiz export --help`.
"""


def _deck_name(bank_dir: Path) -> str:
    words = bank_dir.resolve().name.replace("-", " ").replace("_", " ").split()
    return " ".join(words).capitalize() if words else "My bank"


def new_bank_id(deck: str) -> str:
    """A new bank's identity: its deck's slug and a random suffix, so that renaming the deck
    later keeps every student's progress and Anki notes, and two banks named alike stay two."""
    import secrets

    from quiz.bank import derive_bank_id

    return f"{derive_bank_id(deck)[:60].rstrip('-_') or 'bank'}-{secrets.token_hex(3)}"


def scaffold(bank_dir: Path, deck: str | None = None) -> list[Path]:
    """Write a new bank folder; refuse a folder that exists and is not empty."""
    if bank_dir.is_symlink() and not bank_dir.is_dir():
        raise QuizError(f"{bank_dir} is a symbolic link to nothing: choose a new folder name for the bank.")
    if bank_dir.exists() and not bank_dir.is_dir():
        raise QuizError(f"{bank_dir} is a file: choose a folder name for the new bank.")
    if bank_dir.is_dir() and any(bank_dir.iterdir()):
        raise QuizError(f"{bank_dir} is not empty: not writing into it (choose a new folder).")
    import yaml

    deck = deck or _deck_name(bank_dir)
    shown = shell_quote(str(bank_dir)) if str(bank_dir).isprintable() else "BANK_DIR"
    quoted_deck = yaml.safe_dump(deck, allow_unicode=True, default_style='"', width=10**6).strip()
    files = {
        BANK_FILE: BANK_TEMPLATE.format(deck=quoted_deck, bank_dir=shown, demo=EXAMPLE_ID,
                                        bank_id=new_bank_id(deck)),
        DEMO_FILE: DEMO_TEMPLATE,
        "README.md": README_TEMPLATE.format(deck=" ".join(deck.split()), bank_dir=shown,
                                            example=EXAMPLE_ID),
    }
    written = []
    try:
        for rel, content in files.items():
            path = bank_dir / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "x", encoding="utf-8", newline="\n") as f:  # "x": never overwrite
                f.write(content)
            written.append(path)
    except OSError as exc:
        raise QuizError(f"Cannot write the new bank into {bank_dir}: {exc.strerror or exc}.") from None
    _approve_example(bank_dir / DEMO_FILE)
    return written


def _approve_example(path: Path) -> None:
    """The example demo is quiz's own text: approve it, so that its first run asks nothing."""
    from quiz.approval import approve_folder

    with contextlib.suppress(QuizError):  # no approval recorded: the first run asks, that is all
        approve_folder(path.resolve().parent)
