"""File uploads: UploadFile with File(), spooled in memory, rolled to disk when large.

Run it alone, from the repository's top folder: fastapi dev demos/uploads.py
"""

import hashlib
from typing import Annotated

from fastapi import FastAPI, File, UploadFile

app = FastAPI(title="File uploads demo")


@app.post("/upload")
async def upload(file: Annotated[UploadFile, File(description="one file")]):  # <- multipart
    spooled = file.file  # <- a tempfile.SpooledTemporaryFile, already filled by the parser
    where = "disk" if spooled._rolled else "memory"  # <- rolled over past the spool threshold
    backing = type(spooled._file).__name__  # BytesIO in memory, a real temp file on disk
    content = await file.read()  # <- async read (runs in a thread once it is on disk)
    return {
        "filename": file.filename,  # <- as the client named it: never trust it as a path
        "content_type": file.content_type,
        "size": len(content),
        "sha256": hashlib.sha256(content).hexdigest(),
        "spooled_as": type(spooled).__name__,
        "stored_in": f"{where} ({backing})",
    }


@app.post("/upload-many")
async def upload_many(files: Annotated[list[UploadFile], File()]):  # <- several, one field
    return [{"filename": f.filename, "content_type": f.content_type, "size": f.size} for f in files]


# --- tour ---


def tour(t):
    import inspect

    from starlette.formparsers import MultiPartParser

    t.step("The spool threshold lives in Starlette's multipart parser: 1 MiB per file.")
    threshold = MultiPartParser.spool_max_size
    source = inspect.getsource(MultiPartParser)
    line = next(s.strip() for s in source.splitlines() if "spool_max_size =" in s)
    t.note("starlette/formparsers.py", line)
    t.note("spool_max_size", f"{threshold} bytes (the uploads below put 1 MiB to the test)")
    t.note("python-multipart", "only parses the stream here; Starlette spools each file itself")

    t.step("A small text file: filename and content type arrive; the bytes stay in memory.")
    small = b"name,score\nada,10\n" * 500
    r = t.post("/upload", files={"file": ("scores.csv", small, "text/csv")})
    body = r.json() if r.status_code == 200 else {}
    t.check("200, and the name and type the client sent",
            body.get("filename") == "scores.csv" and body.get("content_type") == "text/csv", r.text)
    t.check("await file.read() returned every byte",
            body.get("size") == len(small)
            and body.get("sha256") == hashlib.sha256(small).hexdigest())
    t.check("UploadFile wraps a SpooledTemporaryFile",
            body.get("spooled_as") == "SpooledTemporaryFile")
    t.check("a small file is kept in memory", body.get("stored_in") == "memory (BytesIO)",
            str(body.get("stored_in")))

    t.step("Exactly at the threshold it still fits in memory; one byte more and it rolls to disk.")
    results = {}
    mib = 1024 * 1024  # the claim, not the library's constant: uploads decide
    for size in (mib, mib + 1):
        data = bytes(size)
        r = t.post("/upload", files={"file": ("photo.bin", data, "application/octet-stream")})
        body = r.json() if r.status_code == 200 else {}
        results[size] = body.get("stored_in")
        t.note(f"{size} bytes stored in", results[size])
        t.check(f"{size} bytes read back intact",
                body.get("sha256") == hashlib.sha256(data).hexdigest())
    t.check("1 MiB: memory", results[mib] == "memory (BytesIO)", str(results[mib]))
    t.check("1 MiB + 1 byte: rolled to a temp file on disk",
            str(results[mib + 1]).startswith("disk"), str(results[mib + 1]))

    t.step("Several files in one request: list[UploadFile] under one field name.")
    files = [
        ("files", ("a.txt", b"first file", "text/plain")),
        ("files", ("b.json", b'{"second": true}', "application/json")),
    ]
    r = t.post("/upload-many", files=files)
    t.check("both arrive, with their own names, types and sizes",
            r.status_code == 200 and r.json() == [
                {"filename": "a.txt", "content_type": "text/plain", "size": 10},
                {"filename": "b.json", "content_type": "application/json", "size": 16},
            ], r.text)
