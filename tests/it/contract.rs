//! The API is what its OpenAPI document says: undeclared methods answer 405 with `Allow`, and
//! real answers carry exactly the keys their documented schemas name (a drift test; schemathesis in `.ci/schemathesis` checks
//! the rest of the contract).

use reqwest::Method;
use serde_json::Value;

use crate::helpers::*;

fn allow_of(res: &reqwest::Response) -> Vec<String> {
    let mut methods: Vec<String> = res
        .headers()
        .get("allow")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .split(',')
        .map(|m| m.trim().to_string())
        .filter(|m| !m.is_empty())
        .collect();
    methods.sort();
    methods
}

/// The OpenAPI document the server publishes.
async fn document(app: &TestApp) -> Value {
    app.get("/api/v1/openapi.json")
        .await
        .json()
        .await
        .expect("the document")
}

#[tokio::test]
async fn an_undeclared_method_is_a_405_naming_the_allowed_ones() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    let cases: &[(Method, &str, &[&str])] = &[
        (Method::DELETE, "/api/v1/hazards", &["GET"]),
        (Method::PATCH, "/api/v1/enterprises/1", &["GET", "PUT"]),
        (Method::PUT, "/api/v1/memberships/1/events", &["GET"]),
        (Method::GET, "/api/v1/memberships/invite", &["POST"]),
    ];
    for (method, path, allowed) in cases {
        for bearer in [Some(token.as_str()), None] {
            let mut req = bare_client().request(method.clone(), app.url(path));
            if let Some(t) = bearer {
                req = req.bearer_auth(t);
            }
            let res = req.send().await.expect("request");
            assert_eq!(
                res.status(),
                405,
                "{method} {path} (token: {})",
                bearer.is_some()
            );
            assert_eq!(allow_of(&res), *allowed, "Allow of {method} {path}");
            let body: Value = res.json().await.expect("json body");
            assert_eq!(
                body["code"], "method_not_allowed",
                "{method} {path}: {body}"
            );
            assert_eq!(body["message"], message("error.method_not_allowed"));
        }
    }
    // Pages too: a 405 with the methods the page has.
    let res = bare_client()
        .request(Method::PUT, app.url("/login"))
        .send()
        .await
        .expect("PUT /login");
    assert_eq!(res.status(), 405);
    assert_eq!(allow_of(&res), ["GET", "POST"]);
}

/// Follows `$ref`s to the schema itself.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(r) => {
            let name = r.trim_start_matches("#/components/schemas/");
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// What is wrong with `value` against `schema`: keys the schema does not name, required keys
/// missing, recursively through objects, arrays, `allOf` and nullable `oneOf`s.
fn drift(doc: &Value, schema: &Value, value: &Value, at: &str, out: &mut Vec<String>) {
    let schema = resolve(doc, schema);
    if let Some(parts) = schema["allOf"].as_array() {
        // A flattened struct: the union of the parts' properties and requirements.
        let mut merged = serde_json::Map::new();
        let mut required = Vec::new();
        for part in parts {
            let part = resolve(doc, part);
            if let Some(props) = part["properties"].as_object() {
                merged.extend(props.clone());
            }
            if let Some(req) = part["required"].as_array() {
                required.extend(req.clone());
            }
        }
        let flat =
            serde_json::json!({"type": "object", "properties": merged, "required": required});
        return drift(doc, &flat, value, at, out);
    }
    if let Some(alternatives) = schema["oneOf"].as_array().or(schema["anyOf"].as_array()) {
        if value.is_null() {
            return;
        }
        let mut first = None;
        for alt in alternatives {
            if resolve(doc, alt)["type"] == "null" {
                continue;
            }
            let mut errors = Vec::new();
            drift(doc, alt, value, at, &mut errors);
            if errors.is_empty() {
                return;
            }
            first.get_or_insert(errors);
        }
        out.extend(first.unwrap_or_default());
        return;
    }
    match value {
        Value::Object(map) => {
            if let Some(props) = schema["properties"].as_object() {
                for (key, v) in map {
                    match props.get(key) {
                        Some(s) => drift(doc, s, v, &format!("{at}.{key}"), out),
                        None => out.push(format!("{at}.{key} is not in the documented schema")),
                    }
                }
                for key in schema["required"].as_array().into_iter().flatten() {
                    let key = key.as_str().unwrap_or_default();
                    if !map.contains_key(key) {
                        out.push(format!("{at}.{key} is required but missing"));
                    }
                }
            } else if schema["additionalProperties"].is_object() {
                for (key, v) in map {
                    drift(
                        doc,
                        &schema["additionalProperties"],
                        v,
                        &format!("{at}.{key}"),
                        out,
                    );
                }
            } else if !map.is_empty() {
                out.push(format!("{at} is an object the schema gives no properties"));
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter().enumerate() {
                drift(doc, &schema["items"], v, &format!("{at}[{i}]"), out);
            }
        }
        _ => {}
    }
}

/// The first item's id of a list (paginated or plain).
async fn first_id(app: &TestApp, path: &str, token: &str) -> i64 {
    let body = app.api_json(path, token).await;
    let items = body["items"].as_array().or(body.as_array()).cloned();
    items
        .and_then(|items| items.first().and_then(|i| i["id"].as_i64()))
        .unwrap_or_else(|| panic!("no item in {path}: {body}"))
}

#[tokio::test]
async fn real_answers_carry_exactly_the_keys_their_documented_schemas_name() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    // Real activity: a mutual inspection submitted with a failed item, photos and hazards.
    let (inspection, items) = crate::inspections::setup(&app).await;
    let inspector = app.api_token(crate::inspections::INSPECTOR).await;
    let started = app
        .api_post(
            &format!("/api/v1/inspections/{inspection}/start"),
            &inspector,
            &serde_json::json!({}),
        )
        .await;
    assert_eq!(started.status(), 200);
    let form = crate::inspections::multipart(
        &crate::inspections::submission(&items),
        vec![
            ("item_photo", "箱门.jpg", crate::photos::jpeg_with_exif()),
            ("extra_photo", "灭火器.png", crate::photos::png_bytes()),
        ],
    );
    let submitted = crate::inspections::submit(&app, &inspector, inspection, form, None).await;
    assert_eq!(submitted.status(), 200);
    let regulator = app.api_token(REGULATOR).await;
    let committee = app.api_token(COMMITTEE).await;
    let enterprise = app.api_token(ENTERPRISE).await;
    let checklist = first_id(&app, "/api/v1/checklists", &regulator).await;
    let membership = first_id(&app, "/api/v1/memberships", &committee).await;
    let hazard = first_id(&app, "/api/v1/hazards", &regulator).await;
    let cases: Vec<(&str, String, &str)> = vec![
        ("/api/v1/me", "/api/v1/me".into(), &regulator),
        (
            "/api/v1/checklists",
            "/api/v1/checklists".into(),
            &regulator,
        ),
        (
            "/api/v1/checklists/{id}",
            format!("/api/v1/checklists/{checklist}"),
            &regulator,
        ),
        (
            "/api/v1/inspections",
            "/api/v1/inspections".into(),
            &committee,
        ),
        (
            "/api/v1/inspections/{id}",
            format!("/api/v1/inspections/{inspection}"),
            &committee,
        ),
        (
            "/api/v1/memberships",
            "/api/v1/memberships".into(),
            &committee,
        ),
        (
            "/api/v1/memberships/{id}/events",
            format!("/api/v1/memberships/{membership}/events"),
            &committee,
        ),
        ("/api/v1/hazards", "/api/v1/hazards".into(), &regulator),
        (
            "/api/v1/hazards/{id}",
            format!("/api/v1/hazards/{hazard}"),
            &regulator,
        ),
        (
            "/api/v1/hazards/{id}/timeline",
            format!("/api/v1/hazards/{hazard}/timeline"),
            &regulator,
        ),
        ("/api/v1/audit", "/api/v1/audit".into(), &regulator),
        ("/api/v1/alliances", "/api/v1/alliances".into(), &regulator),
        (
            "/api/v1/enterprises",
            "/api/v1/enterprises".into(),
            &regulator,
        ),
        // A page with both cursors, and the paged to-do list and queue.
        (
            "/api/v1/hazards",
            "/api/v1/hazards?per_page=1&page=2".into(),
            &regulator,
        ),
        ("/api/v1/todo", "/api/v1/todo".into(), &enterprise),
        ("/api/v1/queue", "/api/v1/queue".into(), &committee),
    ];
    let mut problems = Vec::new();
    for (pattern, path, token) in &cases {
        let res = app.api_get(path, token).await;
        assert_eq!(res.status(), 200, "GET {path}");
        let body: Value = res.json().await.expect("json");
        let schema = &doc["paths"][pattern]["get"]["responses"]["200"]["content"]["application/json"]
            ["schema"];
        assert!(
            schema.is_object(),
            "GET {pattern} documents no 200 JSON schema"
        );
        drift(
            &doc,
            schema,
            &body,
            &format!("GET {pattern}"),
            &mut problems,
        );
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A concrete path for a documented pattern (placeholders filled with values that parse).
fn concrete(pattern: &str) -> String {
    pattern
        .split('/')
        .map(|s| match s {
            "{code}" => "C",
            "{region_code}" => "330381",
            s if s.starts_with('{') => "1",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn every_field_an_empty_body_lacks_is_required_by_the_document() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let mut tokens = Vec::new();
    for user in [REGULATOR, ADMIN, COMMITTEE, ENTERPRISE] {
        tokens.push(app.api_token(user).await);
    }
    let mut problems = Vec::new();
    let mut checked = 0;
    for (pattern, item) in doc["paths"].as_object().expect("paths") {
        if pattern.starts_with("/api/v1/auth/") && pattern != "/api/v1/auth/login" {
            continue; // logging out or changing the password revokes the token in use
        }
        for method in ["post", "put"] {
            let schema = &item[method]["requestBody"]["content"]["application/json"]["schema"];
            if !schema.is_object() {
                continue;
            }
            let schema = resolve(&doc, schema);
            let required: Vec<&str> = schema["required"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            // The first account the operation is for (not 403) tells what `{}` lacks.
            for token in &tokens {
                let res = bare_client()
                    .request(
                        method.to_uppercase().parse().expect("method"),
                        app.url(&concrete(pattern)),
                    )
                    .bearer_auth(token)
                    .json(&serde_json::json!({}))
                    .send()
                    .await
                    .expect("request");
                if res.status() == 403 {
                    continue;
                }
                checked += 1;
                if res.status() == 422 {
                    let body: Value = res.json().await.expect("json");
                    for field in body["fields"]
                        .as_object()
                        .into_iter()
                        .flatten()
                        .map(|f| f.0)
                    {
                        if !required.contains(&field.as_str()) {
                            problems.push(format!(
                                "{method} {pattern}: `{field}` is refused when absent or empty but not required"
                            ));
                        }
                    }
                }
                break;
            }
        }
    }
    assert!(checked >= 20, "only {checked} operations answered");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// A body that is JSON but does not fit the request's types is refused like a bad field:
/// 422 naming `body`, in the caller's language, and nothing is written. Only a body that is
/// not JSON at all stays a 400.
#[tokio::test]
async fn a_json_body_of_the_wrong_types_is_a_422_and_broken_json_a_400() {
    let app = spawn_app().await;
    let token = app.api_token(REGULATOR).await;
    let before = app.api_json("/api/v1/enterprises", &token).await["total"].clone();
    let wrong = serde_json::json!({
        "credit_code": "91330381MA2H7K3P0H", "name": "瑞安市韩田精工机械有限公司",
        "region": "330381101201", "industry": "C3670", "address": "塘下镇工业区8号",
        "legal_representative": "陈立新", "safety_officer": "陈晓燕",
        "safety_phone": "13957712345", "employees": "很多", "scale": "小微", "risk_tags": []
    });
    let res = app.api_post("/api/v1/enterprises", &token, &wrong).await;
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.expect("json");
    assert_eq!(body["code"], "validation", "{body}");
    assert!(body["fields"]["body"].is_string(), "{body}");
    let res = bare_client()
        .post(app.url("/api/v1/enterprises"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"name\": ")
        .send()
        .await
        .expect("send");
    assert_eq!(res.status(), 400);
    assert_eq!(
        app.api_json("/api/v1/enterprises", &token).await["total"],
        before,
        "nothing written"
    );
}

/// A body that is one of several shapes where one shape holds every field of another (the
/// expert pool: the full entry and the directory's) is documented as `anyOf`: with `oneOf` a
/// full entry, or an empty page, matches both and every answer violates the document.
#[tokio::test]
async fn no_untagged_oneof_in_the_document_has_a_branch_holding_all_of_anothers_fields() {
    let app = spawn_app().await;
    let doc = document(&app).await;
    let schemas = doc["components"]["schemas"].as_object().expect("schemas");
    let fields = |s: &Value| -> Option<Vec<String>> {
        let s = resolve(&doc, s);
        s["properties"]
            .as_object()
            .map(|p| p.keys().cloned().collect())
    };
    let mut clashes = Vec::new();
    for (name, schema) in schemas {
        let Some(branches) = schema["oneOf"].as_array() else {
            continue;
        };
        // A tagged enum's branches differ in the tag's value: they never clash.
        let tagged = branches.iter().all(|b| {
            resolve(&doc, b)["properties"]
                .as_object()
                .is_some_and(|p| p.values().any(|v| v["enum"].is_array()))
        });
        if tagged {
            continue;
        }
        let sets: Vec<Vec<String>> = branches.iter().filter_map(fields).collect();
        for (i, a) in sets.iter().enumerate() {
            for (j, b) in sets.iter().enumerate() {
                if i != j && a.iter().all(|k| b.contains(k)) {
                    clashes.push(format!("{name}: branch {j} holds all of branch {i}"));
                }
            }
        }
    }
    assert!(clashes.is_empty(), "{clashes:#?}");
    for name in ["Listed", "Shown"] {
        assert!(schemas[name]["anyOf"].is_array(), "{name} is anyOf");
    }
}
