#!/usr/bin/env python3
"""Run scim2-tester against one SCIM 2.0 base URL and report the results.

scim2-tester is a library (no command line of its own): this script builds its
client (scim2-client over httpx2) with the bearer token, calls
``scim2_tester.check_server`` and turns the ``CheckResult`` list into a console
listing, a JSON report, a JUnit XML report and an HTTP exchange log.

Usage (run.sh calls it; it can be used alone against any SCIM server):

    check.py --url https://host/scim/v2/directory_01 --token rscim_... \
             [--report-dir DIR] [--include-tags crud,patch] [--exclude-tags ...]
             [--resource-types User,Group] [--unknown-attributes forbid|ignore|keep]
             [--fail-on-deviation] [--verbose]

Exit status: 0 when no check is ERROR or CRITICAL (and, with
--fail-on-deviation, none is DEVIATION), 1 otherwise, 2 when the tester
itself could not run.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import datetime as dt
import enum
import importlib.metadata
import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape, quoteattr

import httpx2
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_models import ScimPolicy, ScimProvider
from scim2_tester import Status, check_server, get_all_available_tags

PASSED = {Status.SUCCESS, Status.COMPLIANT, Status.ACCEPTABLE}
FAILED = {Status.ERROR, Status.CRITICAL}
BODY_LIMIT = 4000  # characters of a body kept in the HTTP log


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", default=os.environ.get("ROSTER_CONFORMANCE_URL"),
                   help="SCIM base URL, e.g. http://127.0.0.1:8080/scim/v2/directory_01…")
    p.add_argument("--token", default=os.environ.get("ROSTER_CONFORMANCE_TOKEN"),
                   help="bearer token (sent as 'Authorization: Bearer TOKEN')")
    p.add_argument("--report-dir", default=None, help="where report.json, report.xml and http.log go")
    p.add_argument("--include-tags", default="", help="comma-separated scim2-tester tags to run only")
    p.add_argument("--exclude-tags", default="", help="comma-separated scim2-tester tags to skip")
    p.add_argument("--resource-types", default="", help="comma-separated resource type names, e.g. User")
    p.add_argument("--unknown-attributes", choices=[m.value for m in ScimPolicy.Unknown],
                   default="forbid",
                   help="how response attributes that /Schemas does not declare are treated "
                        "(default forbid: the strict reading, a validation error)")
    p.add_argument("--fail-on-deviation", action="store_true",
                   help="also fail on DEVIATION (SHOULD-level) results")
    p.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, seconds")
    p.add_argument("--verbose", "-v", action="store_true", help="print the data of every failed check")
    p.add_argument("--list-tags", action="store_true", help="print the tags scim2-tester knows and exit")
    args = p.parse_args()
    if args.list_tags:
        print("\n".join(get_all_available_tags()))
        sys.exit(0)
    if not args.url or not args.token:
        p.error("--url and --token (or ROSTER_CONFORMANCE_URL / ROSTER_CONFORMANCE_TOKEN) are required")
    return args


def csv(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


# ---------------------------------------------------------------------------------------------
# HTTP exchange log


class ExchangeLog:
    """Every request scim2-tester sends and the answer it got, in order."""

    def __init__(self) -> None:
        self.entries: list[dict[str, Any]] = []
        self._started: dict[int, float] = {}

    def on_request(self, request: httpx2.Request) -> None:
        self._started[id(request)] = time.monotonic()

    def on_response(self, response: httpx2.Response) -> None:
        response.read()
        request = response.request
        started = self._started.pop(id(request), time.monotonic())
        self.entries.append({
            "n": len(self.entries) + 1,
            "method": request.method,
            "url": str(request.url),
            "request_headers": {k: v for k, v in request.headers.items()
                                if k.lower() in ("content-type", "if-match", "if-none-match", "accept")},
            "request_body": _text(request.content),
            "status": response.status_code,
            "response_headers": {k: v for k, v in response.headers.items()
                                 if k.lower() in ("content-type", "etag", "location", "allow")},
            "response_body": _text(response.content),
            "ms": round((time.monotonic() - started) * 1000, 1),
        })

    def write(self, path: Path) -> None:
        with path.open("w", encoding="utf-8") as f:
            for e in self.entries:
                f.write(f"#{e['n']} {e['method']} {e['url']} -> {e['status']} ({e['ms']} ms)\n")
                for k, v in e["request_headers"].items():
                    f.write(f"  > {k}: {v}\n")
                if e["request_body"]:
                    f.write(f"  > {e['request_body']}\n")
                for k, v in e["response_headers"].items():
                    f.write(f"  < {k}: {v}\n")
                if e["response_body"]:
                    f.write(f"  < {e['response_body']}\n")
                f.write("\n")


def _text(content: bytes) -> str:
    text = content.decode("utf-8", errors="replace")
    return text if len(text) <= BODY_LIMIT else text[:BODY_LIMIT] + f"… ({len(text)} chars)"


# ---------------------------------------------------------------------------------------------
# Results → JSON-able data


def jsonable(value: Any, depth: int = 0) -> Any:
    if depth > 12:
        return repr(value)
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, enum.Enum):
        return value.name if isinstance(value, Status) else value.value
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, (httpx2.Response,)):
        return {"status": value.status_code, "body": _text(value.content)}
    if isinstance(value, BaseException):
        out: dict[str, Any] = {"exception": type(value).__name__, "message": str(value)}
        notes = getattr(value, "__notes__", None)
        if notes:
            out["notes"] = [str(n) for n in notes]
        source = getattr(value, "source", None)
        if source is not None:
            out["source"] = jsonable(source, depth + 1)
        return out
    if hasattr(value, "model_dump"):
        try:
            return jsonable(value.model_dump(mode="json", by_alias=True, exclude_none=True), depth + 1)
        except Exception:  # noqa: BLE001 - a dump failure must not stop the report
            return repr(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [jsonable(v, depth + 1) for v in value]
    if dataclasses.is_dataclass(value):
        return jsonable(dataclasses.asdict(value), depth + 1)
    return repr(value)


def first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if (text or "").strip() else ""


def outcome(status: Status, fail_on_deviation: bool) -> str:
    if status in FAILED or (fail_on_deviation and status == Status.DEVIATION):
        return "failed"
    if status == Status.SKIPPED:
        return "skipped"
    if status == Status.DEVIATION:
        return "warning"
    return "passed"


# ---------------------------------------------------------------------------------------------


def main() -> int:
    args = parse_args()
    report_dir = Path(args.report_dir) if args.report_dir else None
    if report_dir:
        report_dir.mkdir(parents=True, exist_ok=True)

    log = ExchangeLog()
    http = httpx2.Client(
        base_url=args.url,
        headers={"Authorization": f"Bearer {args.token}"},
        timeout=args.timeout,
        trust_env=False,  # a CI proxy must not see loopback traffic
        event_hooks={"request": [log.on_request], "response": [log.on_response]},
    )
    policy = ScimPolicy(unknown=ScimPolicy.Unknown(args.unknown_attributes))
    client = SyncSCIMClient(http, provider=ScimProvider(models=(), resource_types=(), policy=policy))

    started_at = dt.datetime.now(dt.timezone.utc)
    t0 = time.monotonic()
    try:
        results = check_server(
            client,
            include_tags=set(csv(args.include_tags)) or None,
            exclude_tags=set(csv(args.exclude_tags)) or None,
            resource_types=csv(args.resource_types) or None,
        )
    except Exception:  # noqa: BLE001
        print("scim2-tester crashed:", file=sys.stderr)
        traceback.print_exc()
        if report_dir:
            log.write(report_dir / "http.log")
        return 2
    finally:
        http.close()
    duration = time.monotonic() - t0

    # The resource checks only run when /ResourceTypes and /Schemas answered with something
    # scim2-models could compose into models (scim2_tester.checker.check_server).
    resource_checks_ran = any(r.resource_type for r in results) or any(
        r.title == "random_url" for r in results)

    rows = []
    for r in results:
        rows.append({
            "title": r.title,
            "resource_type": r.resource_type,
            "status": r.status.name,
            "outcome": outcome(r.status, args.fail_on_deviation),
            "tags": sorted(r.tags),
            "reason": r.reason,
            "description": first_line(r.description),
            "data": jsonable(r.data),
        })
    counts = {k: sum(1 for row in rows if row["outcome"] == k)
              for k in ("passed", "failed", "skipped", "warning")}
    by_status = {s.name: sum(1 for r in results if r.status == s) for s in Status}

    # ---- console
    width = max((len(f"{row['resource_type'] or '-'}") for row in rows), default=1)
    for row in rows:
        mark = {"passed": "ok  ", "failed": "FAIL", "skipped": "skip", "warning": "warn"}[row["outcome"]]
        reason = first_line(row["reason"])
        print(f"{mark} {row['status']:<10} {(row['resource_type'] or '-'):<{width}} {row['title']}: {reason}")
        if args.verbose and row["outcome"] == "failed" and row["data"] is not None:
            print("     " + json.dumps(row["data"], ensure_ascii=False)[:2000])
    if not resource_checks_ran:
        print("note: the resource checks (CRUD, attributes, PATCH) did not run: scim2-tester runs them "
              "only once /ServiceProviderConfig, /ResourceTypes and /Schemas all answer and compose")
    print(f"scim2-tester {importlib.metadata.version('scim2-tester')} against {args.url}: "
          f"{len(rows)} results in {duration:.1f}s, {len(log.entries)} HTTP requests; by status: "
          + ", ".join(f"{k}={v}" for k, v in by_status.items() if v))

    # ---- files
    if report_dir:
        report = {
            "tool": {name: importlib.metadata.version(name)
                     for name in ("scim2-tester", "scim2-client", "scim2-models", "httpx2")},
            "target": args.url,
            "started_at": started_at.isoformat(),
            "duration_seconds": round(duration, 2),
            "http_requests": len(log.entries),
            "options": {
                "include_tags": csv(args.include_tags), "exclude_tags": csv(args.exclude_tags),
                "resource_types": csv(args.resource_types),
                "unknown_attributes": args.unknown_attributes,
                "fail_on_deviation": args.fail_on_deviation,
            },
            "resource_checks_ran": resource_checks_ran,
            "summary": {**counts, "total": len(rows), "by_status": by_status},
            "results": rows,
        }
        (report_dir / "report.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
        write_junit(report_dir / "report.xml", rows, duration)
        log.write(report_dir / "http.log")
        (report_dir / "http.json").write_text(json.dumps(log.entries, indent=1, ensure_ascii=False) + "\n")
        print(f"reports: {report_dir}/report.json, report.xml (JUnit), http.log")

    # The plain closing line CI runners read.
    print(f"{counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 1 if counts["failed"] else 0


def write_junit(path: Path, rows: list[dict[str, Any]], duration: float) -> None:
    failures = sum(1 for r in rows if r["outcome"] == "failed")
    skipped = sum(1 for r in rows if r["outcome"] == "skipped")
    seen: dict[str, int] = {}
    cases = []
    for row in rows:
        cls = f"scim2_tester.{row['resource_type'] or 'server'}"
        name = row["title"] or "?"
        key = f"{cls}.{name}"
        seen[key] = seen.get(key, 0) + 1
        if seen[key] > 1:
            name = f"{name}[{seen[key]}]"
        body = ""
        if row["outcome"] == "failed":
            detail = json.dumps(row["data"], ensure_ascii=False, indent=1) if row["data"] is not None else ""
            body = (f"<failure message={quoteattr(first_line(row['reason']) or row['status'])} "
                    f"type={quoteattr(row['status'])}>{escape((row['reason'] or '') + chr(10) + detail)}</failure>")
        elif row["outcome"] == "skipped":
            body = f"<skipped message={quoteattr(first_line(row['reason']))}/>"
        elif row["outcome"] == "warning":
            body = f"<system-out>{escape('DEVIATION: ' + (row['reason'] or ''))}</system-out>"
        cases.append(f'  <testcase classname={quoteattr(cls)} name={quoteattr(name)}>{body}</testcase>')
    xml = (f'<?xml version="1.0" encoding="UTF-8"?>\n'
           f'<testsuite name="scim2-tester" tests="{len(rows)}" failures="{failures}" errors="0" '
           f'skipped="{skipped}" time="{duration:.2f}">\n' + "\n".join(cases) + "\n</testsuite>\n")
    path.write_text(xml, encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
