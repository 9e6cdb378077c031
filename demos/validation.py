"""Request validation: Pydantic checks bodies, query and path parameters; bad input is a 422.

Run it alone, from the repository's top folder: fastapi dev demos/validation.py
"""

from typing import Annotated

from fastapi import FastAPI, Path, Query
from pydantic import BaseModel, EmailStr, Field, HttpUrl, field_validator

app = FastAPI(title="Validation demo")


class UserIn(BaseModel):
    username: str = Field(min_length=3, max_length=20)  # <- constraints
    email: EmailStr  # <- a format (needs the email-validator package)
    website: HttpUrl | None = None  # <- a format, normalized
    age: int = Field(gt=0, le=150)  # <- a type and a range

    @field_validator("username")  # Pydantic v2 (the old @validator is deprecated)
    @classmethod
    def no_spaces(cls, value: str) -> str:
        if " " in value:
            raise ValueError("must not contain spaces")
        return value


@app.post("/users", status_code=201)
def create_user(user: UserIn) -> UserIn:  # <- the body is parsed and validated before this runs
    return user


@app.get("/items/{item_id}")
def read_item(
    item_id: Annotated[int, Path(ge=1)],  # <- path parameter: an int >= 1
    page: Annotated[int, Query(ge=1)] = 1,  # <- query parameter: an int >= 1
    q: Annotated[str | None, Query(max_length=10)] = None,
):
    return {"item_id": item_id, "page": page, "q": q}


# --- tour ---


def _errors(response) -> dict[str, str]:
    """The 422 body as {"body.age": "greater_than", ...}: where and what kind of error."""
    if response.status_code != 422:
        return {}
    return {".".join(map(str, e["loc"])): e["type"] for e in response.json().get("detail", [])}


def tour(t):
    t.step("A valid body: 201, and the input is coerced to the declared types and formats.")
    r = t.post("/users", json={"username": "ada", "email": "ada@Example.COM",
                               "website": "HTTPS://Example.com", "age": "36"})
    body = r.json() if r.status_code == 201 else {}
    t.check("201 Created", r.status_code == 201, str(r.status_code))
    t.check('age "36" (a string) became the int 36', body.get("age") == 36, str(body.get("age")))
    t.check("the URL is normalized (scheme and host lower-cased, trailing slash)",
            body.get("website") == "https://example.com/", str(body.get("website")))
    t.check("the email's domain is normalized", body.get("email") == "ada@example.com",
            str(body.get("email")))

    t.step("A wrong type: 422, the endpoint never runs; the error says where (loc) and what (type).")
    r = t.post("/users", json={"username": "ada", "email": "ada@example.com", "age": "forty"})
    t.check("422 (Unprocessable Entity; RFC 9110 calls it Unprocessable Content)",
            r.status_code == 422, str(r.status_code))
    first = r.json()["detail"][0] if r.status_code == 422 else {}
    t.note("one error", first)
    t.check('loc ["body", "age"], type "int_parsing", the bad input echoed back',
            first.get("loc") == ["body", "age"] and first.get("type") == "int_parsing"
            and first.get("input") == "forty", str(first))

    t.step("Formats and constraints: every broken field is reported at once, in one 422.")
    r = t.post("/users", json={"username": "a d", "email": "not-an-email",
                               "website": "not a url", "age": 0})
    errors = _errors(r)
    t.note("loc -> type", errors)
    t.check("EmailStr rejects a malformed address", errors.get("body.email") == "value_error",
            str(errors))
    t.check("HttpUrl rejects a malformed URL", errors.get("body.website") == "url_parsing",
            str(errors))
    t.check("Field(gt=0) rejects age 0", errors.get("body.age") == "greater_than", str(errors))
    t.check("the field_validator rejects the space", errors.get("body.username") == "value_error",
            str(errors))
    r = t.post("/users", json={"username": "x" * 21, "email": "ada@example.com", "age": 1})
    t.check("Field(max_length=20) rejects 21 characters",
            _errors(r).get("body.username") == "string_too_long", str(_errors(r)))
    r = t.post("/users", json={"username": "ada", "age": 36})
    t.check("a missing required field: type missing",
            _errors(r).get("body.email") == "missing", str(_errors(r)))

    t.step("Path and query parameters are validated the same way, with Annotated[..., Path/Query].")
    r = t.get("/items/42?page=2&q=hi")
    t.check("valid: 200 with ints, not strings", r.status_code == 200
            and r.json() == {"item_id": 42, "page": 2, "q": "hi"}, r.text)
    r = t.get("/items/0?page=0&q=far-too-long")
    errors = _errors(r)
    t.note("loc -> type", errors)
    t.check("path item_id=0 and query page=0 break ge=1; q breaks max_length",
            errors == {"path.item_id": "greater_than_equal", "query.page": "greater_than_equal",
                       "query.q": "string_too_long"}, str(errors))
    r = t.get("/items/abc")
    t.check("a non-integer path parameter is a 422 too (not a 404)",
            _errors(r).get("path.item_id") == "int_parsing", str(_errors(r)))
