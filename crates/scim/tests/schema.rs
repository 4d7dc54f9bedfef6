//! Schema registry, attribute definitions, discovery documents, SCIM 1.1
//! mapping and the dialect's value typing.

use roster_scim::dialect::{coerce_bool, normalize_resource, put_resource, semantic_eq};
use roster_scim::discovery::{
    resource_type_by_name, resource_types, resource_types_v1, schema_by_id, schemas, schemas_v1,
    service_provider_config, service_provider_config_v1, DiscoveryOptions,
};
use roster_scim::error::ScimType;
use roster_scim::filter::Filter;
use roster_scim::path::AttrPath;
use roster_scim::schema::{
    AttributeDef, Mutability, Returned, Schema, SchemaRegistry, Uniqueness, ENTERPRISE_USER_SCHEMA,
    GROUP_SCHEMA, RESOURCE_GROUP, RESOURCE_USER, USER_SCHEMA,
};
use roster_scim::{v1, AttrKind, AttributeTypes};
use serde_json::{json, Value};

const ACME: &str = "urn:ietf:params:scim:schemas:extension:acme:1.0:User";
const BASE: &str = "https://roster.example/scim/v2/directory_1";

fn acme() -> Schema {
    Schema::new(
        ACME,
        "AcmeUser",
        "Acme",
        vec![
            AttributeDef::new("joinDate", AttrKind::DateTime),
            AttributeDef::new("photoUrl", AttrKind::Reference).reference_types(&["external"]),
        ],
    )
}

fn registry() -> SchemaRegistry {
    let mut r = SchemaRegistry::new();
    r.register_extension(acme(), RESOURCE_USER).unwrap();
    r
}

/// (path, kind, multi_valued, case_exact, mutability, returned)
#[test]
fn attribute_lookup_table() {
    use Mutability::*;
    use Returned::*;
    let r = registry();
    let table: Vec<(&str, AttrKind, bool, bool, Mutability, Returned)> = vec![
        ("id", AttrKind::String, false, true, ReadOnly, Always),
        (
            "userName",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "USERNAME",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "externalId",
            AttrKind::String,
            false,
            true,
            ReadWrite,
            Default,
        ),
        ("name", AttrKind::Complex, false, false, ReadWrite, Default),
        (
            "name.givenName",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "name.honorificSuffix",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "active",
            AttrKind::Boolean,
            false,
            false,
            ReadWrite,
            Default,
        ),
        ("password", AttrKind::String, false, false, WriteOnly, Never),
        ("emails", AttrKind::Complex, true, false, ReadWrite, Default),
        (
            "emails.value",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "emails.primary",
            AttrKind::Boolean,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "phoneNumbers.type",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "addresses.postalCode",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "photos.value",
            AttrKind::Reference,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "x509Certificates.value",
            AttrKind::Binary,
            false,
            false,
            ReadWrite,
            Default,
        ),
        ("groups", AttrKind::Complex, true, false, ReadOnly, Default),
        (
            "groups.value",
            AttrKind::String,
            false,
            false,
            ReadOnly,
            Default,
        ),
        (
            "entitlements",
            AttrKind::Complex,
            true,
            false,
            ReadWrite,
            Default,
        ),
        (
            "roles.primary",
            AttrKind::Boolean,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "profileUrl",
            AttrKind::Reference,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "timezone",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "members",
            AttrKind::Complex,
            true,
            false,
            ReadWrite,
            Default,
        ),
        (
            "members.value",
            AttrKind::String,
            false,
            false,
            Immutable,
            Default,
        ),
        (
            "members.$ref",
            AttrKind::Reference,
            false,
            false,
            Immutable,
            Default,
        ),
        (
            "members.type",
            AttrKind::String,
            false,
            false,
            Immutable,
            Default,
        ),
        (
            "members.display",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            AttrKind::Complex,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName",
            AttrKind::String,
            false,
            false,
            ReadOnly,
            Default,
        ),
        (
            "URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:DEPARTMENT",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            AttrKind::String,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:acme:1.0:User:joinDate",
            AttrKind::DateTime,
            false,
            false,
            ReadWrite,
            Default,
        ),
        (
            "urn:ietf:params:scim:schemas:extension:acme:1.0:User:photoUrl",
            AttrKind::Reference,
            false,
            false,
            ReadWrite,
            Default,
        ),
    ];
    for (path, kind, multi, ce, m, ret) in table {
        let p = AttrPath::parse(path).unwrap();
        let def = r
            .attribute(&p)
            .unwrap_or_else(|| panic!("{path} not found"));
        assert_eq!(def.kind, kind, "{path}");
        assert_eq!(def.multi_valued, multi, "{path}");
        assert_eq!(def.case_exact, ce, "{path}");
        assert_eq!(def.mutability, m, "{path}");
        assert_eq!(def.returned, ret, "{path}");
        let info = r.lookup(&p).unwrap();
        assert_eq!(
            (info.kind, info.multi_valued, info.case_exact),
            (kind, multi, ce),
            "{path}"
        );
    }
    for missing in [
        "shoeSize",
        "name.nope",
        "urn:unknown:1.0:User:x",
        "emails.value.x",
    ] {
        let found = AttrPath::parse(missing)
            .ok()
            .and_then(|p| r.attribute(&p).cloned());
        assert!(found.is_none(), "{missing}");
    }
}

#[test]
fn required_and_uniqueness() {
    let r = SchemaRegistry::new();
    let user = r.schema(USER_SCHEMA).unwrap();
    assert!(user.attribute("userName").unwrap().required);
    assert_eq!(
        user.attribute("userName").unwrap().uniqueness,
        Uniqueness::Server
    );
    let group = r.schema(GROUP_SCHEMA).unwrap();
    assert!(group.attribute("displayName").unwrap().required);
    let rs = r.for_resource(RESOURCE_GROUP).unwrap();
    assert!(rs.attribute(&AttrPath::simple("emails")).is_none());
    assert!(rs.attribute(&AttrPath::simple("members")).is_some());
    let rs = r.for_resource(RESOURCE_USER).unwrap();
    assert!(rs.attribute(&AttrPath::simple("members")).is_none());
    assert_eq!(
        rs.attribute(&AttrPath::simple("meta")).unwrap().mutability,
        Mutability::ReadOnly
    );
    assert!(r.for_resource("Device").is_none());
    assert!(r.for_resource(USER_SCHEMA).is_some());
}

#[test]
fn user_schema_has_every_rfc_attribute() {
    let r = SchemaRegistry::new();
    let user = r.schema(USER_SCHEMA).unwrap();
    for name in [
        "userName",
        "name",
        "displayName",
        "nickName",
        "profileUrl",
        "title",
        "userType",
        "preferredLanguage",
        "locale",
        "timezone",
        "active",
        "password",
        "emails",
        "phoneNumbers",
        "ims",
        "photos",
        "addresses",
        "groups",
        "entitlements",
        "roles",
        "x509Certificates",
    ] {
        assert!(user.attribute(name).is_some(), "{name}");
    }
    let ent = r.schema(ENTERPRISE_USER_SCHEMA).unwrap();
    for name in [
        "employeeNumber",
        "costCenter",
        "organization",
        "division",
        "department",
        "manager",
    ] {
        assert!(ent.attribute(name).is_some(), "{name}");
    }
    let manager = ent.attribute("manager").unwrap();
    let subs: Vec<&str> = manager
        .sub_attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(subs, vec!["value", "$ref", "displayName"]);
    let members = r
        .schema(GROUP_SCHEMA)
        .unwrap()
        .attribute("members")
        .unwrap();
    let subs: Vec<&str> = members
        .sub_attributes
        .iter()
        .map(|a| a.name.as_str())
        .collect();
    assert_eq!(subs, vec!["value", "display", "$ref", "type"]);
}

#[test]
fn register_extension_rules() {
    let mut r = SchemaRegistry::new();
    r.register_extension(acme(), "user").unwrap(); // case-insensitive resource type
    assert_eq!(r.resource_type("User").unwrap().extensions.len(), 2);
    // Re-registering replaces, does not duplicate.
    let mut again = acme();
    again.attributes.push(AttributeDef::string("costCode"));
    r.register_extension(again, RESOURCE_USER).unwrap();
    assert_eq!(r.resource_type("User").unwrap().extensions.len(), 2);
    assert!(r.schema(ACME).unwrap().attribute("costCode").is_some());
    let bad = [
        (
            Schema::new("acme", "x", "", vec![]),
            RESOURCE_USER,
            "must be a URN",
        ),
        (
            Schema::new(USER_SCHEMA, "x", "", vec![]),
            RESOURCE_USER,
            "core schema",
        ),
        (
            Schema::new("urn:x:y", "x", "", vec![]),
            "Device",
            "unknown resource type",
        ),
    ];
    for (schema, rt, msg) in bad {
        let e = r.register_extension(schema, rt).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidValue));
        assert!(e.detail.contains(msg), "{}", e.detail);
    }
    // Group extensions work too.
    r.register_extension(
        Schema::new(
            "urn:x:group:1.0",
            "G",
            "",
            vec![AttributeDef::string("code")],
        ),
        RESOURCE_GROUP,
    )
    .unwrap();
    assert_eq!(r.resource_type("Group").unwrap().extensions.len(), 1);
}

#[test]
fn schema_json_representation() {
    let r = registry();
    let user = r.schema(USER_SCHEMA).unwrap().to_json(BASE);
    assert_eq!(
        user["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:Schema"])
    );
    assert_eq!(user["id"], USER_SCHEMA);
    assert_eq!(
        user["meta"]["location"],
        format!("{BASE}/Schemas/{USER_SCHEMA}")
    );
    let attrs = user["attributes"].as_array().unwrap();
    let user_name = attrs.iter().find(|a| a["name"] == "userName").unwrap();
    assert_eq!(
        user_name,
        &json!({"name": "userName", "type": "string", "multiValued": false,
                "description": "Unique identifier for the user, used to sign in.",
                "required": true, "caseExact": false, "mutability": "readWrite",
                "returned": "default", "uniqueness": "server"})
    );
    let emails = attrs.iter().find(|a| a["name"] == "emails").unwrap();
    assert_eq!(emails["type"], "complex");
    assert_eq!(emails["multiValued"], true);
    assert!(emails.get("caseExact").is_none());
    assert_eq!(
        emails["subAttributes"][2]["canonicalValues"],
        json!(["work", "home", "other"])
    );
    let password = attrs.iter().find(|a| a["name"] == "password").unwrap();
    assert_eq!(
        (
            password["mutability"].as_str(),
            password["returned"].as_str()
        ),
        (Some("writeOnly"), Some("never"))
    );
    let acme = r.schema(ACME).unwrap().to_json(BASE);
    assert_eq!(acme["attributes"][0]["type"], "dateTime");
    assert_eq!(acme["attributes"][1]["referenceTypes"], json!(["external"]));
}

#[test]
fn discovery_documents() {
    let r = registry();
    let spc = service_provider_config(BASE, &DiscoveryOptions::default());
    assert_eq!(
        spc["schemas"],
        json!(["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"])
    );
    assert_eq!(
        spc["filter"],
        json!({"supported": true, "maxResults": 1000})
    );
    assert_eq!(spc["changePassword"]["supported"], false);
    assert_eq!(spc["sort"]["supported"], false);
    assert_eq!(spc["etag"]["supported"], true);
    assert_eq!(spc["authenticationSchemes"][0]["type"], "oauthbearertoken");
    let opts = DiscoveryOptions {
        max_results: 200,
        documentation_url: Some("https://docs.example/okta".into()),
        max_payload_size: 4096,
    };
    let spc = service_provider_config(&format!("{BASE}/"), &opts);
    assert_eq!(spc["filter"]["maxResults"], 200);
    assert_eq!(spc["bulk"]["maxPayloadSize"], 4096);
    assert_eq!(spc["documentationUri"], "https://docs.example/okta");
    assert_eq!(
        spc["meta"]["location"],
        format!("{BASE}/ServiceProviderConfig")
    );

    let v1 = service_provider_config_v1(BASE, &opts);
    assert_eq!(v1["schemas"], json!(["urn:scim:schemas:core:1.0"]));
    assert_eq!(
        v1["meta"]["location"],
        format!("{BASE}/ServiceProviderConfigs")
    );
    assert_eq!(v1["documentationUrl"], "https://docs.example/okta");
    assert_eq!(v1["xmlDataFormat"]["supported"], false);

    let rts = resource_types(BASE, &r);
    assert_eq!(rts["totalResults"], 2);
    assert_eq!(rts["itemsPerPage"], 2);
    let user_rt = &rts["Resources"][0];
    assert_eq!(user_rt["endpoint"], "/Users");
    assert_eq!(user_rt["schema"], USER_SCHEMA);
    assert_eq!(
        user_rt["schemaExtensions"],
        json!([{"schema": ENTERPRISE_USER_SCHEMA, "required": false}, {"schema": ACME, "required": false}])
    );
    assert_eq!(
        user_rt["meta"]["location"],
        format!("{BASE}/ResourceTypes/User")
    );
    assert_eq!(rts["Resources"][1]["endpoint"], "/Groups");
    assert_eq!(rts["Resources"][1]["schemaExtensions"], json!([]));
    assert_eq!(
        resource_type_by_name(BASE, &r, "group").unwrap()["id"],
        "Group"
    );
    assert!(resource_type_by_name(BASE, &r, "Device").is_none());

    let all = schemas(BASE, &r);
    assert_eq!(all["totalResults"], 4);
    let ids: Vec<&str> = all["Resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        vec![USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_USER_SCHEMA, ACME]
    );
    assert_eq!(
        schema_by_id(BASE, &r, &ACME.to_uppercase()).unwrap()["id"],
        ACME
    );
    assert!(schema_by_id(BASE, &r, "urn:nope").is_none());
    assert_eq!(
        resource_types_v1(BASE, &r)["schemas"],
        json!(["urn:scim:schemas:core:1.0"])
    );
    assert_eq!(schemas_v1(BASE, &r)["totalResults"], 4);
}

#[test]
fn bool_coercion_table() {
    let table = [
        (json!(true), Some(true)),
        (json!(false), Some(false)),
        (json!("true"), Some(true)),
        (json!("True"), Some(true)),
        (json!("TRUE"), Some(true)),
        (json!("False"), Some(false)),
        (json!(" false "), Some(false)),
        (json!("yes"), None),
        (json!(1), None),
        (json!(null), None),
        (json!(""), None),
    ];
    for (v, want) in table {
        assert_eq!(coerce_bool(&v), want, "{v}");
    }
}

#[test]
fn normalize_bodies() {
    let r = registry();
    // (resource type, body, expected Ok body or Err(scimType, detail))
    type Row = (&'static str, Value, Result<Value, (ScimType, &'static str)>);
    let table: Vec<Row> = vec![
        (
            "User",
            json!({"userName": "a", "id": "x", "meta": {}, "groups": [{"value": "g"}], "password": "p"}),
            Ok(json!({"userName": "a"})),
        ),
        (
            "User",
            json!({"userName": "a", "active": "False"}),
            Ok(json!({"userName": "a", "active": false})),
        ),
        (
            "User",
            json!({"userName": "a", "emails": {"value": "a@x", "primary": "true"}}),
            Ok(json!({"userName": "a", "emails": [{"value": "a@x", "primary": true}]})),
        ),
        (
            "User",
            json!({"userName": "a", ENTERPRISE_USER_SCHEMA: {"manager": "m1", "employeeNumber": 12}}),
            Ok(
                json!({"userName": "a", "schemas": [ENTERPRISE_USER_SCHEMA], ENTERPRISE_USER_SCHEMA: {"manager": {"value": "m1"}, "employeeNumber": "12"}}),
            ),
        ),
        (
            "User",
            json!({"schemas": [USER_SCHEMA], "userName": "a", format!("{ENTERPRISE_USER_SCHEMA}:department"): "Ops"}),
            Ok(
                json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "a", ENTERPRISE_USER_SCHEMA: {"department": "Ops"}}),
            ),
        ),
        (
            "User",
            json!({"userName": "a", "nickname2": "kept", "urn:x:unknown:1.0": {"a": 1}}),
            Ok(
                json!({"userName": "a", "nickname2": "kept", "schemas": ["urn:x:unknown:1.0"], "urn:x:unknown:1.0": {"a": 1}}),
            ),
        ),
        (
            "User",
            json!({"userName": "a", "emails": null, "addresses": []}),
            Ok(json!({"userName": "a"})),
        ),
        (
            "User",
            json!({"displayName": "no user name"}),
            Err((ScimType::InvalidValue, "'userName' is required")),
        ),
        ("User", json!({"userName": ""}), Ok(json!({"userName": ""}))),
        (
            "User",
            json!({"userName": "a", "active": "sometimes"}),
            Err((ScimType::InvalidValue, "'active' must be a boolean")),
        ),
        (
            "User",
            json!({"userName": "a", ACME: {"joinDate": "2024-13-45"}}),
            Err((ScimType::InvalidValue, "joinDate' must be a dateTime")),
        ),
        (
            "User",
            json!({"userName": "a", ACME: {"joinDate": "2024-01-15"}}),
            Ok(json!({"userName": "a", "schemas": [ACME], ACME: {"joinDate": "2024-01-15"}})),
        ),
        (
            "User",
            json!({"userName": "a", "name": "Ada"}),
            Err((ScimType::InvalidValue, "'name' must be an object")),
        ),
        (
            "User",
            json!([1, 2]),
            Err((ScimType::InvalidSyntax, "must be a JSON object")),
        ),
        (
            "Group",
            json!({"displayName": "G", "members": [{"value": "u1", "$ref": null}]}),
            Ok(json!({"displayName": "G", "members": [{"value": "u1"}]})),
        ),
        (
            "Group",
            json!({"members": []}),
            Err((ScimType::InvalidValue, "'displayName' is required")),
        ),
        (
            "Device",
            json!({}),
            Err((ScimType::InvalidValue, "unknown resource type")),
        ),
    ];
    for (rt, body, want) in table {
        let mut b = body.clone();
        let got = normalize_resource(&mut b, &r, rt).map(|_| b);
        match (got, want) {
            (Ok(g), Ok(w)) => assert_eq!(g, w, "{body}"),
            (Err(e), Err((t, d))) => {
                assert_eq!(e.scim_type, Some(t), "{body}");
                assert!(e.detail.contains(d), "{body}: {}", e.detail);
            }
            (g, w) => panic!("{body}: got {g:?}, want {w:?}"),
        }
    }
}

#[test]
fn put_semantics() {
    let mut r = registry();
    r.register_extension(
        Schema::new(
            "urn:x:imm:1.0",
            "I",
            "",
            vec![AttributeDef::string("badge").mutability(Mutability::Immutable)],
        ),
        RESOURCE_USER,
    )
    .unwrap();
    let current = json!({"schemas": [USER_SCHEMA, "urn:x:imm:1.0"], "id": "u1", "userName": "a", "title": "T",
                         "groups": [{"value": "g1"}], "meta": {"version": "W/\"3\""}, "urn:x:imm:1.0": {"badge": "B"}});
    // Omitted immutable and readOnly attributes are kept; others are replaced.
    let out = put_resource(
        &current,
        json!({"userName": "a", "id": "spoof"}),
        &r,
        "User",
    )
    .unwrap();
    assert_eq!(
        out,
        json!({"schemas": ["urn:x:imm:1.0"], "id": "u1", "userName": "a", "groups": [{"value": "g1"}],
               "meta": {"version": "W/\"3\""}, "urn:x:imm:1.0": {"badge": "B"}})
    );
    let err = put_resource(
        &current,
        json!({"userName": "a", "urn:x:imm:1.0": {"badge": "C"}}),
        &r,
        "User",
    )
    .unwrap_err();
    assert_eq!(err.scim_type, Some(ScimType::Mutability));
    let same = put_resource(&current, json!({"schemas": [USER_SCHEMA], "userName": "a", "title": "T", "urn:x:imm:1.0": {"badge": "B"}}), &r, "User").unwrap();
    assert!(semantic_eq(&same, &current), "{same}");
}

#[test]
fn v1_mapping() {
    let r = registry();
    assert_eq!(
        v1::urn_to_v2("urn:scim:schemas:core:1.0", "User"),
        USER_SCHEMA
    );
    assert_eq!(
        v1::urn_to_v2("urn:scim:schemas:core:1.0", "Group"),
        GROUP_SCHEMA
    );
    assert_eq!(
        v1::urn_to_v2("urn:scim:schemas:extension:enterprise:1.0", "User"),
        ENTERPRISE_USER_SCHEMA
    );
    assert_eq!(v1::urn_to_v2("urn:other", "User"), "urn:other");
    assert_eq!(
        v1::urn_to_v1(ENTERPRISE_USER_SCHEMA),
        "urn:scim:schemas:extension:enterprise:1.0"
    );
    let mut body = json!({"schemas": ["urn:scim:schemas:core:1.0", "urn:scim:schemas:extension:enterprise:1.0"],
                          "userName": "a", "urn:scim:schemas:extension:enterprise:1.0": {"department": "D"}});
    v1::to_v2_body(&mut body, "User");
    assert_eq!(
        body,
        json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "userName": "a", ENTERPRISE_USER_SCHEMA: {"department": "D"}})
    );
    let back = v1::to_v1_resource(&body);
    assert_eq!(
        back["schemas"],
        json!([
            "urn:scim:schemas:core:1.0",
            "urn:scim:schemas:extension:enterprise:1.0"
        ])
    );
    assert_eq!(
        back["urn:scim:schemas:extension:enterprise:1.0"]["department"],
        "D"
    );

    // meta.attributes clears, multi-valued merges, plain attributes replace.
    let mut user = json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1", "userName": "a", "title": "T",
                          "emails": [{"value": "a@x", "type": "work"}], ENTERPRISE_USER_SCHEMA: {"department": "D", "costCenter": "C"}});
    let body = json!({"schemas": ["urn:scim:schemas:core:1.0"],
                      "meta": {"attributes": ["title", "urn:scim:schemas:extension:enterprise:1.0:costCenter"]},
                      "emails": [{"value": "b@x", "type": "home"}, {"value": "a@x", "operation": "delete"}],
                      "displayName": "A"});
    let out = v1::apply_patch(&mut user, &body, &r, "User").unwrap();
    assert!(out.changed);
    assert_eq!(
        user,
        json!({"schemas": [USER_SCHEMA, ENTERPRISE_USER_SCHEMA], "id": "u1", "userName": "a", "displayName": "A",
                            "emails": [{"value": "b@x", "type": "home"}], ENTERPRISE_USER_SCHEMA: {"department": "D"}})
    );
    let req = v1::patch_request_from_v1(&body, &r, "User").unwrap();
    assert_eq!(req.operations.len(), 5);
    assert!(
        v1::patch_request_from_v1(&json!({"meta": {"attributes": "title"}}), &r, "User").is_err()
    );
    assert!(v1::patch_request_from_v1(&json!("x"), &r, "User").is_err());
}

#[test]
fn v1_filters_parse_with_the_v2_grammar() {
    for f in [
        r#"userName eq "bjensen""#,
        r#"name.familyName co "O'Malley""#,
        r#"userName sw "J""#,
        "title pr",
        r#"meta.lastModified gt "2011-05-13T04:42:34Z""#,
        r#"title pr and userType eq "Employee""#,
        r#"title pr or userType eq "Intern""#,
        r#"userType eq "Employee" and (emails co "example.com" or emails co "example.org")"#,
    ] {
        assert!(Filter::parse(f).is_ok(), "{f}");
    }
}
