#!/usr/bin/env python3
"""Renders jinja2_cases.json with Python jinja2 set up as HF transformers does for chat
templates (sandboxed, trim_blocks, lstrip_blocks, loopcontrols, its tojson, raise_exception,
strftime_now pinned to 2024-07-26T12:00:00Z in UTC) and writes jinja2_golden.json.
When the shared test data is found (../shared next to the repository, or $HEARTH_TESTDATA),
it also renders tool_conversation.json with each real template in shared/templates, passing
tool-call arguments as objects to the templates llama.cpp found to take objects.
Run from this folder, or with `go test ./engine/chat -run TestJinja2 -update`."""
import copy, json, os, sys, types
from datetime import datetime, timezone
from jinja2.exceptions import TemplateError
from jinja2.ext import loopcontrols
from jinja2.sandbox import ImmutableSandboxedEnvironment
import jinja2

NOW = datetime(2024, 7, 26, 12, 0, 0, tzinfo=timezone.utc)

def raise_exception(message):
    raise TemplateError(message)

def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    if isinstance(x, types.GeneratorType):  # `map(...)` output, a list in llama.cpp's engine
        x = list(x)
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

shared = os.environ.get("HEARTH_TESTDATA") or os.path.join(here, "..", "..", "..", "..", "shared")
tdir = os.path.join(shared, "templates")
if os.path.isfile(os.path.join(tdir, "golden.json")):
    golden = json.load(open(os.path.join(tdir, "golden.json"), encoding="utf-8"))
    conv = json.load(open(os.path.join(here, "tool_conversation.json"), encoding="utf-8"))
    out["templates"] = {}
    for name, info in sorted(golden["templates"].items()):
        msgs = copy.deepcopy(conv["messages"])
        if info["caps"]["supports_object_arguments"]:
            for m in msgs:
                for tc in m.get("tool_calls", []):
                    tc["function"]["arguments"] = json.loads(tc["function"]["arguments"])
        # Key order as the Go side builds messages: type, function, id.
        for m in msgs:
            m["tool_calls"] = [{"type": tc["type"], "function": tc["function"], "id": tc["id"]} for tc in m.get("tool_calls", [])] or None
            if m["tool_calls"] is None:
                del m["tool_calls"]
        src = open(os.path.join(tdir, name), encoding="utf-8").read()
        if src.endswith("\n"):
            src = src[:-1]
        try:
            r = {"rendered": env.from_string(src).render(
                messages=msgs, tools=conv["tools"], add_generation_prompt=True,
                bos_token=info["bos_token"], eos_token=info["eos_token"],
                enable_thinking=info["enable_thinking"], date_string="26 Jul 2024", datetime="Jul 26 2024")}
        except Exception as e:
            r = {"error": str(e)}
        out["templates"][name] = r

with open(os.path.join(here, "jinja2_golden.json"), "w", encoding="utf-8") as f:
    json.dump(out, f, ensure_ascii=False, indent=1)
    f.write("\n")
