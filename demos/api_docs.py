"""API docs: OpenAPI generated from the code, served as Swagger UI (/docs) and ReDoc (/redoc).

Run it alone, from the repository's top folder: fastapi dev demos/api_docs.py
Then open http://127.0.0.1:8000/docs and http://127.0.0.1:8000/redoc.
"""

from fastapi import FastAPI
from pydantic import BaseModel, Field

tags_metadata = [  # <- a description per tag: the sections of /docs
    {"name": "books", "description": "Browse and add **books**."},
    {"name": "health", "description": "Probes for the load balancer."},
]

app = FastAPI(
    title="Bookshop API",  # <- title, version and Markdown description go into info
    version="2.1.0",
    summary="Books, authors and stock.",
    description="Every endpoint of the shop. Errors follow `{'detail': ...}`.",
    openapi_tags=tags_metadata,
    contact={"name": "API team", "email": "api@example.com"},
    license_info={"name": "MIT", "identifier": "MIT"},
)


class Book(BaseModel):
    model_config = {  # <- a whole-object example, shown in the schema and in "Try it out"
        "json_schema_extra": {"examples": [{"title": "Dune", "author": "Frank Herbert", "year": 1965}]}
    }

    title: str = Field(examples=["Dune"], description="As printed on the cover")  # <- per field
    author: str
    year: int = Field(ge=1450, examples=[1965])


@app.post(
    "/books",
    tags=["books"],
    status_code=201,
    summary="Add a book",  # <- the one-liner in the operation list
    response_description="The book as stored",  # <- describes the 201 response
)
async def create_book(book: Book) -> Book:
    """Add a book to the catalogue.

    The docstring becomes the operation's **description** (Markdown).
    """
    return book


@app.get("/books/search", tags=["books"], deprecated=True)  # <- shown struck through in /docs
async def search_books(q: str) -> list[Book]:
    return []


@app.get("/health", tags=["health"])
async def health():
    return {"status": "ok"}


@app.get("/internal/metrics", include_in_schema=False)  # <- works, but not documented
async def metrics():
    return {"requests": 42}


internal = FastAPI(title="Internal API", docs_url="/api/docs", redoc_url=None)  # <- moved, and off


@internal.get("/ping")
async def ping():
    return {"pong": True}


# --- tour ---


def tour(t):
    from fastapi.testclient import TestClient

    t.step("/docs serves Swagger UI and /redoc serves ReDoc: HTML pages that load /openapi.json.")
    docs = t.get("/docs", show_headers=["content-type"])
    redoc = t.get("/redoc", show_headers=["content-type"])
    t.check("/docs is Swagger UI pointing at /openapi.json", docs.status_code == 200
            and "swagger-ui" in docs.text and "/openapi.json" in docs.text)
    t.check("/redoc is ReDoc pointing at /openapi.json", redoc.status_code == 200
            and "redoc" in redoc.text.lower() and "/openapi.json" in redoc.text)
    t.note("offline?", "both pages load their JavaScript from a CDN in the browser; "
           "self-host it by serving the assets and building the page with get_swagger_ui_html")

    t.step("/openapi.json carries the metadata: title, version, description, tag descriptions.")
    spec = t.get("/openapi.json").json()
    info = spec.get("info", {})
    t.note("openapi", spec.get("openapi"))
    t.check("info: title, version, summary, description",
            info.get("title") == "Bookshop API" and info.get("version") == "2.1.0"
            and info.get("summary") and "{'detail'" in info.get("description", ""), str(info))
    tags = {tag["name"]: tag.get("description") for tag in spec.get("tags", [])}
    t.note("tags", tags)
    t.check("each tag has its description", tags.get("books") == "Browse and add **books**."
            and tags.get("health"))

    t.step("A path operation: summary, description from the docstring, response_description, tags.")
    create = spec.get("paths", {}).get("/books", {}).get("post", {})
    t.note("POST /books", {k: create.get(k) for k in ("tags", "summary", "description")})
    t.check("summary and tags", create.get("summary") == "Add a book" and create.get("tags") == ["books"])
    t.check("the docstring is the description",
            create.get("description", "").startswith("Add a book to the catalogue."))
    t.check("201 documented with its response_description",
            create.get("responses", {}).get("201", {}).get("description") == "The book as stored")

    t.step("Examples from the Pydantic model: Field(examples=...) and json_schema_extra.")
    schema = spec.get("components", {}).get("schemas", {}).get("Book", {})
    t.note("Book schema", schema)
    t.check("a whole-object example", schema.get("examples", [{}])[0].get("author") == "Frank Herbert")
    t.check("per-field examples and constraints", schema.get("properties", {}).get("title", {})
            .get("examples") == ["Dune"] and schema["properties"]["year"].get("minimum") == 1450)

    t.step("A deprecated route is flagged; include_in_schema=False hides a route that still works.")
    paths = spec.get("paths", {})
    search = paths.get("/books/search", {}).get("get", {})
    t.check("/books/search is deprecated", search.get("deprecated") is True)
    hidden = t.get("/internal/metrics")
    t.check("/internal/metrics answers 200 but is not in the schema",
            hidden.status_code == 200 and "/internal/metrics" not in paths)

    t.step("Docs can move or be switched off: docs_url='/api/docs', redoc_url=None "
           "(openapi_url=None removes the schema and both UIs).")
    with TestClient(internal) as other:
        gone = t.record(other.get("/docs"))
        moved = t.record(other.get("/api/docs"))
        no_redoc = t.record(other.get("/redoc"))
        still = other.get("/openapi.json")
    t.check("/docs is 404, /api/docs is Swagger UI", gone.status_code == 404
            and moved.status_code == 200 and "swagger-ui" in moved.text)
    t.check("/redoc is 404; /openapi.json is still served",
            no_redoc.status_code == 404 and still.status_code == 200)
