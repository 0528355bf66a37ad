#!/usr/bin/env bash
# Generates the typed clients' models from the agent API's JSON Schema (GET /api/v1/schema):
# Pydantic v2 models for clients/python by datamodel-code-generator, TypeScript types for
# clients/typescript by json-schema-to-typescript. The same schema gives the same bytes.
#
#   scripts/clients.sh generate <schema.json> [out-dir]
#
# Without out-dir the committed files are rewritten; with it, the two files are written under
# out-dir at the same relative paths (what tests/server/clients.rs compares for drift):
#   clients/python/src/flightdeck_client/models.py
#   clients/typescript/src/types.ts
# Both generators are pinned: datamodel-code-generator in
# scripts/requirements-test.txt, installed into $FLIGHTDECK_VENV by `scripts/bootstrap.sh --test`;
# json-schema-to-typescript (and its prettier) in package-lock.json.
set -euo pipefail
source "$(dirname "$0")/env.sh"

PYTHON_MODELS=clients/python/src/flightdeck_client/models.py
TS_TYPES=clients/typescript/src/types.ts

usage() {
  echo "usage: scripts/clients.sh generate <schema.json> [out-dir]" >&2
  exit 2
}

[[ "${1:-}" == generate && -n "${2:-}" ]] || usage
schema="$(realpath "$2")"
out="$(realpath -m "${3:-$FLIGHTDECK_ROOT}")"

# Each generator runs in an empty folder on a copy named schema.json: the Python header names the
# input file, and neither generator may pick up a pyproject.toml or prettier config around it.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp "$schema" "$work/schema.json"

# Python: snake_case fields with the schema's camelCase names as aliases (send with
# `by_alias=True`), string enums as named Literal aliases (`Risk`, `Status`: plain strings),
# constraints as Field arguments, the schema's descriptions as docstrings, and the generator's
# own formatter. The root (which only names the endpoints' models) is skipped.
(
  cd "$work"
  # Its UserWarnings say only that Rust's integer formats (`uint8`, `int64`) are not Python's.
  PYTHONWARNINGS=ignore::UserWarning "$FLIGHTDECK_VENV/bin/datamodel-codegen" \
    --input schema.json \
    --input-file-type jsonschema \
    --output models.py \
    --output-model-type pydantic_v2.BaseModel \
    --target-python-version 3.10 \
    --target-pydantic-version 2.11 \
    --skip-root-model \
    --disable-timestamp \
    --formatters builtin \
    --use-double-quotes \
    --use-standard-collections \
    --use-union-operator \
    --use-annotated \
    --field-constraints \
    --snake-case-field \
    --allow-population-by-field-name \
    --enum-field-as-literal all \
    --use-type-alias \
    --use-schema-description \
    --use-field-description \
    --custom-file-header-mode prepend \
    --custom-file-header '"""Pydantic v2 models of the Flightdeck agent API, generated from /api/v1/schema by scripts/clients.sh: do not edit."""'
)

# TypeScript: json-schema-to-typescript through its API, on the schema with three rewrites it
# needs (the schema itself is unchanged in meaning):
# - a `$ref` with sibling keywords (a field's description) becomes `allOf: [{$ref}]` beside them,
#   else each such use site gets a copy of the type (`Approval1`);
# - a schema that allows any JSON (`arguments`) gets `tsType: "unknown"`, else it is typed as an
#   object;
# - the root's `models`, `answers` and `error` become its properties, so the root type maps each
#   endpoint to its body and answer.
(
  cd "$FLIGHTDECK_ROOT"
  node --input-type=module - "$work/schema.json" "$work/types.ts" <<'EOF'
import { compile } from "json-schema-to-typescript";
import { readFileSync, writeFileSync } from "node:fs";

const [input, output] = process.argv.slice(2);
const SHAPES = ["type", "$ref", "allOf", "anyOf", "oneOf", "const", "enum", "properties", "items"];

const rewrite = (schema) => {
  if (typeof schema !== "object" || schema === null) return schema;
  let out = { ...schema };
  for (const key of ["properties", "$defs"]) {
    if (out[key]) out[key] = Object.fromEntries(Object.entries(out[key]).map(([k, v]) => [k, rewrite(v)]));
  }
  for (const key of ["allOf", "anyOf", "oneOf"]) {
    if (out[key]) out[key] = out[key].map(rewrite);
  }
  for (const key of ["items", "additionalProperties"]) {
    if (typeof out[key] === "object") out[key] = rewrite(out[key]);
  }
  if (out.$ref && Object.keys(out).length > 1) {
    const { $ref, ...siblings } = out;
    out = { ...siblings, allOf: [{ $ref }] };
  }
  if (!SHAPES.some((key) => key in out)) out.tsType = "unknown";
  return out;
};

const endpoints = (map, description) => ({
  description,
  type: "object",
  properties: map,
  required: Object.keys(map),
  additionalProperties: false,
});

const { models, answers, error, ...document } = JSON.parse(readFileSync(input, "utf8"));
const root = rewrite({
  ...document,
  type: "object",
  properties: {
    models: endpoints(models, "Each endpoint's body."),
    answers: endpoints(answers, "Each endpoint's successful answer."),
    error,
  },
  required: ["models", "answers", "error"],
  additionalProperties: false,
});
const types = await compile(root, "FlightdeckAgentModels", {
  bannerComment:
    "/** TypeScript types of the Flightdeck agent API, generated from /api/v1/schema by scripts/clients.sh (json-schema-to-typescript): do not edit. */",
  unreachableDefinitions: true,
  additionalProperties: false,
  unknownAny: true,
  strictIndexSignatures: true,
  format: true,
  style: { printWidth: 100, singleQuote: false, trailingComma: "all", semi: true, tabWidth: 2 },
});
writeFileSync(output, types);
EOF
)

mkdir -p "$out/$(dirname "$PYTHON_MODELS")" "$out/$(dirname "$TS_TYPES")"
cp "$work/models.py" "$out/$PYTHON_MODELS"
cp "$work/types.ts" "$out/$TS_TYPES"
echo "generated $out/$PYTHON_MODELS and $out/$TS_TYPES from $schema"
