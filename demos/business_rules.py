"""Business rules: validators for rules on the data itself, dependencies for rules that need data.

Run it alone, from the repository's top folder: fastapi dev demos/business_rules.py
"""

from datetime import date
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, Field, field_validator, model_validator

RESERVED = {"admin", "root", "support"}
users: dict[str, dict] = {"ada": {"username": "ada"}}  # the store (a database in real life)
bookings: list[dict] = []
store_writes: list[str] = []  # every write the endpoints made, so the tour can count them


class SignUp(BaseModel):
    username: str = Field(min_length=3, max_length=20)

    @field_validator("username")  # <- Pydantic v2: a rule on one field (not @validator)
    @classmethod
    def clean_username(cls, value: str) -> str:
        value = value.strip().lower()  # a validator can normalise, too
        if not value.isalnum():
            raise ValueError("letters and digits only")
        if value in RESERVED:
            raise ValueError("this username is reserved")
        return value


class Booking(BaseModel):
    room: str
    start: date
    end: date

    @model_validator(mode="after")  # <- a rule across fields, on the validated model
    def end_after_start(self) -> "Booking":
        if self.end <= self.start:
            raise ValueError("end must be after start")
        return self


def username_available(signup: SignUp) -> SignUp:  # <- a rule that needs data: a dependency
    if signup.username in users:
        raise HTTPException(409, f"username {signup.username!r} is already taken")
    return signup


app = FastAPI(title="Business rules demo")


@app.post("/users", status_code=201)
def sign_up(signup: Annotated[SignUp, Depends(username_available)]):  # <- runs only if rules pass
    users[signup.username] = {"username": signup.username}
    store_writes.append(f"user {signup.username}")
    return users[signup.username]


@app.post("/bookings", status_code=201)
def book(booking: Booking):
    bookings.append(booking.model_dump(mode="json"))
    store_writes.append(f"booking {booking.room}")
    return bookings[-1]


# --- tour ---


def _legacy_validator_warnings():
    """Define a model the Pydantic v1 way, recording (not raising) the warnings it emits."""
    import warnings

    from pydantic import validator

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")

        class LegacySignUp(BaseModel):
            username: str

            @validator("username")
            def lower(cls, value):
                return value.lower()

    return caught, LegacySignUp(username="ADA").username


def tour(t):
    users.clear()
    users["ada"] = {"username": "ada"}
    bookings.clear()
    store_writes.clear()

    t.step("field_validator: one field's rule; it can normalise the value too.")
    r = t.post("/users", json={"username": "  Grace "})
    t.check("201, stored as 'grace'", r.status_code == 201
            and r.json() == {"username": "grace"}, r.text)
    r = t.post("/users", json={"username": "admin"})
    errors = r.json().get("detail", []) if r.status_code == 422 else []
    t.check("a reserved name: 422 with the validator's message", any(
        e.get("loc") == ["body", "username"] and "reserved" in e.get("msg", "")
        for e in errors), r.text)

    t.step("model_validator(mode='after'): a rule across fields, end after start.")
    r = t.post("/bookings", json={"room": "blue", "start": "2026-05-03", "end": "2026-05-01"})
    errors = r.json().get("detail", []) if r.status_code == 422 else []
    t.check("end before start: 422", any("end must be after start" in e.get("msg", "")
                                          for e in errors), r.text)
    r = t.post("/bookings", json={"room": "blue", "start": "2026-05-01", "end": "2026-05-03"})
    t.check("a valid booking: 201", r.status_code == 201, r.text)

    t.step("A rule that needs data (is the name taken?) is a dependency: 409 before the endpoint.")
    writes_before = list(store_writes)
    r = t.post("/users", json={"username": "Ada"})
    t.note("store writes", store_writes)
    t.check("'Ada' is normalised, found taken: 409", r.status_code == 409
            and "already taken" in r.json().get("detail", ""), r.text)
    t.check("the endpoint never ran: no write", store_writes == writes_before
            and writes_before == ["user grace", "booking blue"], str(store_writes))
    r = t.post("/users", json={"username": "ada!"})
    t.check("validation runs first: a bad name is a 422, not a 409", r.status_code == 422, r.text)

    t.step("@validator is the Pydantic v1 API: it still works in v2 but warns as deprecated.")
    caught, value = _legacy_validator_warnings()
    names = sorted({w.category.__name__ for w in caught})
    t.note("defining a model with @validator emitted", names or "nothing")
    t.check("PydanticDeprecatedSince20", "PydanticDeprecatedSince20" in names, str(names))
    t.check("it still runs (deprecated, not yet removed): the fix is field_validator",
            value == "ada", value)
