"""Project structure: a bigger app split into routers, shared dependencies and internal code.

Run it alone, from the repository's top folder: fastapi dev demos/project_structure.py
"""

# The layout of FastAPI's "Bigger Applications" tutorial (in a real project the package is app/):
#
# project_structure_app/
# ├── __init__.py
# ├── main.py            creates the app and includes every router: the entrypoint
# ├── dependencies.py    dependencies shared by several routers (an X-Token check)
# ├── routers/
# │   ├── __init__.py
# │   ├── users.py       APIRouter(prefix="/users", tags=["users"])
# │   └── items.py       APIRouter(prefix="/items", tags=["items"], dependencies=[...])
# └── internal/
#     ├── __init__.py
#     └── admin.py       shared with other projects: prefix and guard added by main.py
#
# It grows the same way: schemas.py (Pydantic models), services/ (business rules, no HTTP),
# db.py (engine and session dependency), config.py (pydantic-settings), tests/ beside the package.

from project_structure_app.main import app  # <- one module builds the app; the rest plug into it

__all__ = ["app"]

# --- tour ---

from pathlib import Path  # noqa: E402

TOKEN = {"X-Token": "fake-super-secret-token"}


def _tree(folder: Path, prefix: str = "") -> list[str]:
    entries = sorted(
        (p for p in folder.iterdir() if p.is_dir() or p.suffix == ".py"),
        key=lambda p: (p.is_dir(), p.name),
    )
    entries = [p for p in entries if p.name != "__pycache__"]
    lines = []
    for i, entry in enumerate(entries):
        last = i == len(entries) - 1
        branch = "└── " if last else "├── "
        lines.append(f"{prefix}{branch}{entry.name}{'/' if entry.is_dir() else ''}")
        if entry.is_dir():
            lines += _tree(entry, prefix + ("    " if last else "│   "))
    return lines


def tour(t):
    folder = Path(__file__).parent / "project_structure_app"

    t.step("The package on disk: main.py, dependencies.py, routers/ and internal/, one job each.")
    t.note("tree", "\n".join([f"{folder.name}/", *_tree(folder)]))
    files = {p.relative_to(folder).as_posix() for p in folder.rglob("*.py")}
    expected = {"main.py", "dependencies.py", "routers/users.py", "routers/items.py",
                "internal/admin.py", "__init__.py", "routers/__init__.py", "internal/__init__.py"}
    t.check("the tutorial's files are all there", expected <= files, str(sorted(expected - files)))
    main_src = (folder / "main.py").read_text(encoding="utf-8")
    t.note("main.py (from app = FastAPI)", main_src[main_src.find("app = FastAPI"):].strip())

    t.step("Each router's routes answer under the prefix the router declares for itself.")
    users = t.get("/users/")
    me = t.get("/users/me")
    item = t.get("/items/plumbus", headers=TOKEN, show_headers=["x-token"])
    t.check("/users/ and /users/me come from routers/users.py",
            users.status_code == 200 and me.json() == {"username": "fakecurrentuser"})
    t.check("/items/plumbus comes from routers/items.py",
            item.status_code == 200 and item.json().get("item_id") == "plumbus", item.text)
    paths = sorted(t.client.get("/openapi.json").json().get("paths", {}))
    t.note("paths in /openapi.json", ", ".join(paths))
    t.check("every router's paths carry its prefix",
            {"/users/{username}", "/items/{item_id}", "/admin/"} <= set(paths), str(paths))

    t.step("The X-Token dependency is declared once on the items router and guards every route.")
    missing = t.get("/items/")
    wrong = t.put("/items/plumbus", headers={"X-Token": "guess"}, show_headers=["x-token"])
    right = t.put("/items/plumbus", headers=TOKEN, show_headers=["x-token"])
    public = t.get("/users/Rick")
    t.check("no X-Token: 422, the header is required", missing.status_code == 422, missing.text)
    t.check("a wrong X-Token: 400, from get_token_header", wrong.status_code == 400, wrong.text)
    t.check("the right X-Token: 200", right.status_code == 200, right.text)
    t.check("users has no such dependency: 200 without a token", public.status_code == 200)

    t.step("Tags group operations in /openapi.json and /docs; a route's tags add to its router's.")
    spec = t.client.get("/openapi.json").json()
    ops = spec.get("paths", {})

    def tags(path, method):
        return ops.get(path, {}).get(method, {}).get("tags")

    found = {
        "GET /users/": tags("/users/", "get"),
        "GET /items/": tags("/items/", "get"),
        "PUT /items/{item_id}": tags("/items/{item_id}", "put"),
        "POST /admin/": tags("/admin/", "post"),
    }
    t.note("tags", "\n".join(f"{op}: {tag}" for op, tag in found.items()))
    t.check("users, items, items + custom, admin", list(found.values())
            == [["users"], ["items"], ["items", "custom"], ["admin"]], str(found))
    item_params = [p["name"] for p in ops.get("/items/", {}).get("get", {}).get("parameters", [])]
    t.check("the router dependency's X-Token header is documented on its routes",
            "x-token" in item_params, str(item_params))
    t.check("router responses are documented: 404 on items, 418 on admin",
            "404" in ops.get("/items/", {}).get("get", {}).get("responses", {})
            and "418" in ops.get("/admin/", {}).get("post", {}).get("responses", {}))

    t.step("internal/admin.py declares nothing; main.py adds its prefix, tag and guard on include.")
    from project_structure_app.internal import admin

    t.check("admin.router has no prefix and no dependencies of its own",
            admin.router.prefix == "" and not admin.router.dependencies)
    denied = t.post("/admin/", headers={"X-Token": "guess"}, show_headers=["x-token"])
    allowed = t.post("/admin/", headers=TOKEN, show_headers=["x-token"])
    t.check("POST /admin/ with a wrong token: 400", denied.status_code == 400, denied.text)
    t.check("POST /admin/ with the token: 200", allowed.status_code == 200, allowed.text)
