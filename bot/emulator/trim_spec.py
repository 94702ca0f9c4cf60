"""One-off generator of methods.json: trims the full Bot API spec to the methods the emulator implements.

Usage: python -m bot.emulator.trim_spec /path/to/telegram-bot-api-spec/api.json
The output is committed, so the project runs without the full spec.
"""

import json
import sys
from pathlib import Path

from bot.emulator.spec import IMPLEMENTED_METHODS, SPEC_PATH

SOURCE_NOTE = (
    "Trimmed from PaulSonOfLars/telegram-bot-api-spec api.json (Bot API 10.1), MIT licence, "
    "Copyright (c) 2020 Paul Larsen"
)


def trim(full: dict) -> dict:
    methods = {}
    for name in IMPLEMENTED_METHODS:
        method = full["methods"][name]
        fields = [
            {"name": field["name"], "types": field["types"], "required": field["required"]}
            for field in method.get("fields", [])
        ]
        methods[name] = {"name": name, "fields": fields}
    return {"_source": SOURCE_NOTE, "version": full.get("version"), "methods": methods}


def dump(trimmed: dict) -> str:
    """JSON with one line per field, so diffs after a regeneration stay readable."""
    compact = {"ensure_ascii": False}
    lines = ["{"]
    lines.append(f' "_source": {json.dumps(trimmed["_source"], **compact)},')
    lines.append(f' "version": {json.dumps(trimmed["version"], **compact)},')
    lines.append(' "methods": {')
    methods = list(trimmed["methods"].values())
    for index, method in enumerate(methods):
        fields = [f"   {json.dumps(field, **compact)}" for field in method["fields"]]
        body = ",\n".join(fields)
        closing = "}," if index < len(methods) - 1 else "}"
        if fields:
            lines.append(f'  "{method["name"]}": {{"name": "{method["name"]}", "fields": [\n{body}\n  ]{closing}')
        else:
            lines.append(f'  "{method["name"]}": {{"name": "{method["name"]}", "fields": []{closing}')
    lines.append(" }")
    lines.append("}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    full = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    SPEC_PATH.write_text(dump(trim(full)), encoding="utf-8")
    print(f"wrote {SPEC_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
