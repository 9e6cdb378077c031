"""Streaming: send a large CSV chunk by chunk, from a generator or a file, never all in memory.

Run it alone, from the repository's top folder: fastapi dev demos/streaming.py
"""

import asyncio
import csv
import io
import tempfile
import time
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, StreamingResponse

ROWS = 50_000
BATCH = 1_000  # rows per chunk: one small buffer in memory, not the whole file
progress = {"rows": 0, "finished": 0.0, "live": 0}  # what the generator has done, for the tour to watch


def csv_rows(rows: int = ROWS):
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", "customer", "amount"])
    progress["rows"] = 0
    for i in range(1, rows + 1):
        writer.writerow([i, f"customer-{i}", f"{i * 1.5:.2f}"])
        if i % BATCH == 0 or i == rows:
            progress["rows"] = i
            yield buffer.getvalue()  # <- this chunk goes out now; the loop waits for the client
            buffer.seek(0)
            buffer.truncate()
    progress["finished"] = time.perf_counter()


@asynccontextmanager
async def lifespan(app: FastAPI):
    with tempfile.TemporaryDirectory() as folder:  # <- removed again at shutdown
        app.state.report = Path(folder) / "report.csv"
        app.state.report.write_text("".join(csv_rows(2_000)))
        yield


app = FastAPI(title="Streaming demo", lifespan=lifespan)


@app.get("/export.csv")
def export_csv() -> StreamingResponse:
    return StreamingResponse(
        csv_rows(),  # a sync generator: Starlette iterates it in the threadpool
        media_type="text/csv",  # <- media_type= (the source's "media type=" is a syntax error)
        headers={"Content-Disposition": 'attachment; filename="export.csv"'},  # <- a download
    )


class CSVStreamingResponse(StreamingResponse):
    media_type = "text/csv"


@app.get("/live.csv", response_class=CSVStreamingResponse)  # <- FastAPI 0.134+: yield directly
async def live_csv():
    progress["live"] = 1
    yield "second,reading\n"
    for second in range(5):
        await asyncio.sleep(0.02)  # an async source: a DB cursor, a queue, another API
        progress["live"] += 1
        yield f"{second},{20 + second}\n"  # <- each row reaches the client as soon as it exists


@app.get("/report.csv")
async def report(request: Request) -> FileResponse:
    # A file already on disk: FileResponse reads it in 64 KB chunks and adds Content-Length, ETag
    # and Range support (resumable downloads).
    return FileResponse(request.app.state.report, media_type="text/csv", filename="report.csv")


@app.get("/report-lines.csv")
def report_lines(request: Request) -> StreamingResponse:  # the source's way: it works, but...
    def iterfile():
        with open(request.app.state.report, "rb") as file:
            yield from file  # <- ...a file iterates line by line: one tiny chunk per CSV row

    return StreamingResponse(iterfile(), media_type="text/csv")


# --- tour ---


def tour(t):
    t.step("A 50,000-row CSV streams in chunks of 1,000 rows; the client reads them as they come.")
    sizes, lines, lead, first_at, rows_at_first = [], 0, 0, 0.0, None
    with t.client.stream("GET", "/export.csv") as response:
        for chunk in response.iter_bytes():  # counted, then dropped: nothing piles up
            if not sizes:
                first_at, rows_at_first = time.perf_counter(), progress["rows"]
            sizes.append(len(chunk))
            lines += chunk.count(b"\n")
            lead = max(lead, progress["rows"] - (lines - 1))  # generated but not yet received
    t.record(response, ["content-type", "content-disposition", "content-length"])
    total = sum(sizes)
    t.note("received", f"{len(sizes)} chunks, {total:,} bytes, {lines:,} lines; "
           f"largest chunk {max(sizes, default=0):,} bytes")
    t.check("text/csv, as an attachment named export.csv",
            response.headers.get("content-type", "").startswith("text/csv")
            and 'filename="export.csv"' in response.headers.get("content-disposition", ""))
    t.check("all 50,000 rows and the header arrived", lines == ROWS + 1, f"{lines} lines")
    t.check("in about 50 chunks, each a small part of the file",
            len(sizes) >= 40 and max(sizes, default=total) * 20 < total, f"{len(sizes)} chunks")
    t.check("no Content-Length: the size was not known up front (chunked transfer)",
            "content-length" not in response.headers)

    t.step("The generator never ran ahead of the client: the file never existed in memory.")
    t.note("rows generated when the first chunk reached the client", f"{rows_at_first:,} of {ROWS:,}")
    t.note("first chunk received", f"{(progress['finished'] - first_at) * 1000:.0f} ms "
           "before the generator finished")
    t.check("the first chunk reached the client before the generator had made every row",
            rows_at_first is not None and rows_at_first < ROWS, f"{rows_at_first} rows made by then")
    t.note("most rows generated but not yet received, at any chunk", f"{lead:,}")
    t.check("at most one chunk ahead: memory holds ~2 chunks, whatever the file's size",
            rows_at_first is not None and rows_at_first <= 2 * BATCH and lead <= BATCH,
            f"first {rows_at_first}, lead {lead}")

    t.step("An async generator endpoint: each row is sent the moment it is produced.")
    arrivals, rows, made = [], [], []
    start = time.perf_counter()
    with t.client.stream("GET", "/live.csv") as live:
        for chunk in live.iter_text():
            arrivals.append(time.perf_counter() - start)
            made.append(progress["live"])  # rows the endpoint had produced when this one arrived
            rows.append(chunk)
    t.record(live, ["content-type"])
    t.note("chunks and when they arrived", [f"{a * 1000:.0f} ms: {r.strip()}"
                                            for a, r in zip(arrivals, rows, strict=True)])
    t.check("text/csv from the response class", live.headers.get("content-type", "")
            .startswith("text/csv"))
    t.note("rows the endpoint had produced as each chunk arrived", made)
    t.check("six chunks, one a row (one buffered body would arrive at once)", len(rows) == 6,
            str([round(a, 3) for a in arrivals]))
    t.check("the first row reached the client before the endpoint had produced the last",
            made[:1] != [] and made[0] < 6, str(made))

    t.step("A file on disk: FileResponse, with Content-Length, ETag and Range (temp file).")
    path = t.app.state.report
    t.note("the file", f"{path} ({path.stat().st_size:,} bytes, in a TemporaryDirectory)")
    whole = t.client.get("/report.csv")  # 53 KB: its headers are shown, not its body
    t.note("GET /report.csv", f"{whole.status_code}, " + ", ".join(
        f"{h}: {whole.headers.get(h)}" for h in ("content-type", "content-length", "etag",
                                                 "content-disposition")))
    t.check("Content-Length is the file's size; the body is the file",
            whole.headers.get("content-length") == str(path.stat().st_size)
            and whole.content == path.read_bytes())
    tail = t.get("/report.csv", headers={"Range": "bytes=-17"},
                 show_headers=["range", "content-range"])
    t.check("Range: the last bytes only (206), for a resumed download",
            tail.status_code == 206 and tail.content == path.read_bytes()[-17:], tail.text)

    t.step("The source's `yield from file` works, but a file iterates by line: one chunk per row.")
    with t.client.stream("GET", "/report-lines.csv") as by_line:
        chunks = list(by_line.iter_bytes())
    t.record(by_line, ["content-type", "content-length"])
    with t.client.stream("GET", "/report.csv") as by_block:
        blocks = list(by_block.iter_bytes())
    file_lines, size = path.read_bytes().count(b"\n"), path.stat().st_size
    t.note("chunks sent", f"yield from file: {len(chunks):,} (the file has {file_lines:,} lines); "
           f"FileResponse: {len(blocks)} ({size:,} bytes, in blocks of up to 64 KB)")
    t.check("yield from file: one chunk per line, each ending at its newline",
            b"".join(chunks) == path.read_bytes() and len(chunks) == file_lines
            and all(c.endswith(b"\n") for c in chunks), f"{len(chunks)} chunks")
    t.check("FileResponse: the same bytes in blocks of 64 KB (here all in one)",
            b"".join(blocks) == path.read_bytes() and len(blocks) == (size + 65535) // 65536,
            f"{len(blocks)} chunks")

