"""PATCH done right: exclude_unset, null that clears, fields a client may not set, unknown keys refused.

Run it alone, from the repository's top folder: fastapi dev demos/partial_updates.py
"""

from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException
from pydantic import BaseModel, ConfigDict, Field, model_validator

app = FastAPI(title="Partial updates demo")

items = {
    1: {"id": 1, "name": "Hammer", "description": "Steel head", "price": 10.0, "tax": 20.0,
        "owner": "alice"},  # id and owner belong to the server, never to a request body
}


class ItemOut(BaseModel):
    id: int
    name: str
    description: str | None
    price: float
    tax: float | None
    owner: str


class ItemPatch(BaseModel):
    """Every field optional; only what the client sent is applied."""

    model_config = ConfigDict(extra="forbid")  # <- an unknown key (owner, is_admin) is a 422

    name: str | None = None
    description: str | None = None  # null clears it
    price: float | None = Field(default=None, gt=0)
    tax: float | None = None

    @model_validator(mode="after")
    def required_fields_cannot_be_cleared(self):
        for field in ("name", "price"):
            if field in self.model_fields_set and getattr(self, field) is None:  # <- sent as null
                raise ValueError(f"{field} cannot be null")
        return self


def get_item(item_id: int) -> dict:
    if item_id not in items:
        raise HTTPException(404)
    return items[item_id]


@app.patch("/items/{item_id}", response_model=ItemOut)
def patch_item(patch: ItemPatch, item: Annotated[dict, Depends(get_item)]):
    changes = patch.model_dump(exclude_unset=True)  # <- only the keys the client sent
    item.update(changes)
    return item


@app.get("/items/{item_id}", response_model=ItemOut)
def read_item(item: Annotated[dict, Depends(get_item)]):
    return item


# --- tour ---


def tour(t):
    def current():
        r = t.client.get("/items/1")
        return r.json() if r.status_code == 200 else {}

    t.step("PATCH {price: 12}: only the price changes; the fields not sent keep their values.")
    r = t.patch("/items/1", json={"price": 12})
    item = current()
    t.check("price 12, description and tax untouched",
            r.status_code == 200 and item.get("price") == 12
            and item.get("description") == "Steel head" and item.get("tax") == 20.0, str(item))

    t.step("PATCH {description: null}: an explicit null is sent, so it clears the field.")
    r = t.patch("/items/1", json={"description": None})
    item = current()
    t.check("description cleared, name and price kept",
            r.status_code == 200 and item.get("description") is None
            and item.get("name") == "Hammer" and item.get("price") == 12, str(item))

    t.step("PATCH {name: null}: a required field cannot be cleared: 422.")
    r = t.patch("/items/1", json={"name": None})
    t.check("null for a required field: 422", r.status_code == 422, r.text)
    t.check("and the name is still there", current().get("name") == "Hammer", str(current()))

    t.step("Mass assignment: PATCH {owner: mallory}. The update model has no owner, and unknown "
           "keys are refused instead of silently dropped.")
    r = t.patch("/items/1", json={"owner": "mallory", "price": 1})
    t.check("an unknown key: 422 (extra='forbid')", r.status_code == 422, r.text)
    item = current()
    t.check("owner and price unchanged", item.get("owner") == "alice" and item.get("price") == 12,
            str(item))
