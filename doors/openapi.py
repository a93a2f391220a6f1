"""The HTTP door's OpenAPI 3.1 description, built from the event contract's own models so
it cannot drift from what intake accepts."""

from __future__ import annotations

from typing import Any, Literal

from pydantic.json_schema import models_json_schema

from core.case.events import DATA_MODELS, RawEvent

REF = "#/components/schemas/{model}"


def _event_schemas() -> tuple[list[dict[str, Any]], dict[str, Any]]:
    mode: Literal["validation"] = "validation"
    models = [(model, mode) for model in DATA_MODELS.values()]
    refs, defs = models_json_schema(models, ref_template=REF)
    envelope = RawEvent.model_json_schema(ref_template=REF)["properties"]
    variants = []
    for kind, model in DATA_MODELS.items():
        properties = {k: v for k, v in envelope.items() if k != "data"}
        properties["type"] = {"const": kind}
        properties["data"] = refs[(model, "validation")]
        variants.append(
            {
                "type": "object",
                "title": kind,
                "additionalProperties": False,
                "required": ["event_id", "case_id", "type", "occurred_at"]
                + ([] if kind == "case_resumed" else ["data"]),
                "properties": properties,
            }
        )
    return variants, defs.get("$defs", {})


def _answer(description: str, schema: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": REF.format(model=schema)}}},
    }


def openapi(max_batch: int, max_body: int, window: int) -> dict[str, Any]:
    variants, defs = _event_schemas()
    problem = _answer("the problem, named", "Problem")
    auth: list[dict[str, list[str]]] = [{"bearer": []}, {"signature": [], "timestamp": []}]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Trappebro event door",
            "version": "1",
            "description": "Events from the case system, validated as by starter.py. "
            f"Bodies up to {max_body} bytes, batches up to {max_batch} events. Sign with "
            "X-Trappebro-Signature: sha256=hex(HMAC-SHA256(secret, '<timestamp>.' + body)) "
            f"and X-Trappebro-Timestamp (Unix seconds, within {window} s), or send a bearer "
            "token. The same event_id twice is a duplicate and changes nothing.",
        },
        "paths": {
            "/events": {
                "post": {
                    "summary": "Deliver one event or a batch",
                    "security": auth,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {
                                    "oneOf": [
                                        {"$ref": REF.format(model="Event")},
                                        {
                                            "type": "array",
                                            "minItems": 1,
                                            "maxItems": max_batch,
                                            "items": {"$ref": REF.format(model="Event")},
                                        },
                                    ]
                                }
                            }
                        },
                    },
                    "responses": {
                        "200": _answer("every event accepted or a duplicate", "Report"),
                        "400": problem,
                        "401": problem,
                        "408": problem,
                        "413": problem,
                        "415": problem,
                        "422": _answer("some events refused; each named", "Report"),
                        "503": problem,
                    },
                }
            },
            "/health": {
                "get": {
                    "summary": "Liveness and Temporal reachability",
                    "security": [],
                    "responses": {
                        "200": _answer("Temporal answers", "Health"),
                        "503": _answer("Temporal does not answer", "Health"),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "summary": "This description",
                    "security": [],
                    "responses": {
                        "200": {
                            "description": "OpenAPI 3.1",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "signature": {"type": "apiKey", "in": "header", "name": "X-Trappebro-Signature"},
                "timestamp": {"type": "apiKey", "in": "header", "name": "X-Trappebro-Timestamp"},
            },
            "schemas": {
                **defs,
                "Event": {"oneOf": variants},
                "Health": {
                    "type": "object",
                    "required": ["status"],
                    "properties": {"status": {"enum": ["ok", "unavailable"]}},
                },
                "Problem": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {"error": {"type": "string"}},
                },
                "Report": {
                    "type": "object",
                    "properties": {
                        "accepted": {"type": "integer"},
                        "duplicate": {"type": "integer"},
                        "refused": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "index": {"type": "integer"},
                                    "field": {"type": "string"},
                                    "reason": {"type": "string"},
                                },
                            },
                        },
                        "unconfirmed": {"type": "array", "items": {"type": "integer"}},
                    },
                },
            },
        },
    }
