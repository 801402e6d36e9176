#!/usr/bin/env python3
"""Renders jinja2_cases.json with Python jinja2 set up as HF transformers does for chat
templates (sandboxed, trim_blocks, lstrip_blocks, loopcontrols, its tojson, raise_exception,
strftime_now pinned to 2024-07-26T12:00:00Z in UTC) and writes jinja2_golden.json.
Run from this folder, or with `go test ./engine/chat -run TestJinja2 -update`."""
import json, os, sys, time
from datetime import datetime, timezone
from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment
import jinja2

NOW = datetime(2024, 7, 26, 12, 0, 0, tzinfo=timezone.utc)

def raise_exception(message):
    raise TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)

def strftime_now(fmt):
    return NOW.strftime(fmt)

env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception
env.globals["strftime_now"] = strftime_now

here = os.path.dirname(os.path.abspath(__file__))
cases = json.load(open(os.path.join(here, "jinja2_cases.json"), encoding="utf-8"))
out = {"generator": "jinja2 %s, HF transformers chat-template settings (jinja2_ref.py)" % jinja2.__version__, "cases": {}}
for c in cases:
    try:
        out["cases"][c["name"]] = {"rendered": env.from_string(c["template"]).render(**c["context"])}
    except Exception as e:
        out["cases"][c["name"]] = {"error": str(e)}
with open(os.path.join(here, "jinja2_golden.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
