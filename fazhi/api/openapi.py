"""The OpenAPI document flattened for the documentation page: each operation with its parameters, request
fields and response fields (nested objects and lists as dotted names, e.g. `items[].school_name`)."""

METHODS = ("get", "post", "put", "patch", "delete")


def _resolve(schema, components: dict) -> dict:
    if not isinstance(schema, dict):  # `additionalProperties: true`
        return {}
    while "$ref" in schema:
        schema = components.get(schema["$ref"].rsplit("/", 1)[-1], {})
    return schema


def type_label(schema: dict, components: dict) -> tuple[str, bool, list]:
    """(type, nullable, allowed values) of a property schema."""
    schema = _resolve(schema, components)
    variants = schema.get("anyOf") or schema.get("oneOf")
    if variants:
        parts = [_resolve(v, components) for v in variants]
        nullable = any(p.get("type") == "null" for p in parts)
        others = [p for p in parts if p.get("type") != "null"]
        labels, values = [], []
        for p in others:
            label, _, enum = type_label(p, components)
            labels.append(label)
            values += enum
        return " | ".join(dict.fromkeys(labels)) or "null", nullable, values
    kind = schema.get("type", "object")
    if kind == "array":
        inner, _, enum = type_label(schema.get("items", {}), components)
        return f"array of {inner}", False, enum
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        inner, _, _ = type_label(schema["additionalProperties"], components)
        return f"object of {inner}", False, []
    label = schema.get("format") or kind
    return label, False, list(schema.get("enum", []))


def fields(schema: dict, components: dict, prefix: str = "", depth: int = 0) -> list[dict]:
    """The properties of an object schema, nested objects and arrays of objects expanded."""
    schema = _resolve(schema, components)
    required = set(schema.get("required", []))
    rows = []
    for name, prop in schema.get("properties", {}).items():
        label, nullable, enum = type_label(prop, components)
        resolved = _resolve(prop, components)
        rows.append({"name": prefix + name, "type": label, "nullable": nullable, "required": name in required,
                     "enum": enum, "description": resolved.get("description", prop.get("description", ""))})
        if depth < 3:
            target = resolved
            variants = [_resolve(v, components) for v in (resolved.get("anyOf") or [])]
            target = next((v for v in variants if v.get("type") != "null"), target)
            if target.get("type") == "array":
                item = _resolve(target.get("items", {}), components)
                if item.get("properties"):
                    rows += fields(item, components, f"{prefix}{name}[].", depth + 1)
            elif target.get("properties"):
                rows += fields(target, components, f"{prefix}{name}.", depth + 1)
    return rows


def operations(schema: dict) -> list[dict]:
    components = schema.get("components", {}).get("schemas", {})
    out = []
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            op = item.get(method)
            if not op:
                continue
            params = []
            for p in op.get("parameters", []):
                label, nullable, enum = type_label(p.get("schema", {}), components)
                params.append({"name": p["name"], "in": p["in"], "required": p.get("required", False),
                               "type": label, "enum": enum,
                               "description": p.get("description")
                               or p.get("schema", {}).get("description", "")})
            body = []
            for media, content in op.get("requestBody", {}).get("content", {}).items():
                body.append({"media": media, "fields": fields(content.get("schema", {}), components)})
            responses = []
            for status, response in op.get("responses", {}).items():
                content = response.get("content", {}).get("application/json", {})
                responses.append({"status": status, "description": response.get("description", ""),
                                  "fields": fields(content.get("schema", {}), components) if content else []})
            out.append({"method": method.upper(), "path": path, "summary": op.get("summary", ""),
                        "description": op.get("description", ""), "tags": op.get("tags", []),
                        "operation_id": op.get("operationId", ""), "parameters": params, "body": body,
                        "responses": responses, "secured": bool(op.get("security"))})
    return out
