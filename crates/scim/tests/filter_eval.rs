//! Filter evaluation over realistic Okta / Entra ID / JumpCloud resources.

use roster_scim::error::ScimType;
use roster_scim::filter::{AttrInfo, AttrKind, AttributeTypes, DefaultUserGroupTypes, Filter};
use roster_scim::path::AttrPath;
use serde_json::{json, Value};

fn okta_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "user_01HZXK3M6Q",
        "externalId": "00ujl29u0le5T6Aj10h7",
        "userName": "Test.User@okta.local",
        "name": {"givenName": "Test", "familyName": "User"},
        "emails": [
            {"primary": true, "value": "test.user@okta.local", "type": "work"},
            {"primary": false, "value": "Personal@Example.com", "type": "home"}
        ],
        "displayName": "Test User",
        "locale": "en-US",
        "active": true,
        "groups": [],
        "nickName": "",
        "title": null,
        "meta": {
            "resourceType": "User",
            "created": "2026-11-01T10:00:00Z",
            "lastModified": "2026-11-20T08:30:00.123+01:00",
            "version": "W/\"3\""
        }
    })
}

fn entra_user() -> Value {
    json!({
        "schemas": [
            "urn:ietf:params:scim:schemas:core:2.0:User",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ],
        "id": "user_01HZXK9ABC",
        "externalId": "8a7f5e2c-6b4d-4c1e-9f3a-2d1b0c9e8f7a",
        "userName": "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081@contoso.com",
        "active": "False",
        "emails": [{"primary": "True", "type": "work", "value": "Test_User_dfeef4c5@contoso.com"}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": "Givenname Familyname", "familyName": "Familyname", "givenName": "Givenname"},
        "roles": [{"primary": "True", "type": "WindowsAzureActiveDirectoryRole", "value": "Admin"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "employeeNumber": "701984",
            "department": "Tour Operations",
            "manager": "26118915-6090-4610-87e4-49d8ca9f808d"
        },
        "urn:ietf:params:scim:schemas:extension:haystack:1.0:User": {
            "joinDate": "2020-02-01T00:00:00Z",
            "level": 7,
            "score": 2.5,
            "remote": true,
            "Badge": "Gold"
        }
    })
}

fn jumpcloud_user() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:User"],
        "id": "user_01J",
        "externalId": "5f4d3c2b1a0987654321abcd",
        "userName": "jdoe",
        "emails": null,
        "addresses": [],
        "phoneNumbers": [{"value": "tel:+1-555-555-5555", "type": "work", "primary": true}],
        "photos": [{"value": "https://photos.example.com/profilephoto/72930000000Ccne/F"}],
        "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {
            "department": "Engineering",
            "manager": {"value": "user_01HZXK3M6Q", "displayName": "Test User"}
        }
    })
}

fn okta_group() -> Value {
    json!({
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
        "id": "group_01HZ",
        "displayName": "Holistics Admins",
        "externalId": "00gk2x1fmlWmYnqN10h7",
        "members": [
            {"value": "user_01HZXK3M6Q", "display": "test.user@okta.local"},
            {"value": "USER_01HZXK9ABC", "$ref": "https://roster.example/scim/v2/d/Users/USER_01HZXK9ABC"}
        ],
        "meta": {"resourceType": "Group", "lastModified": "2026-11-22T23:59:59Z"}
    })
}

#[derive(Debug)]
enum Want {
    Match,
    NoMatch,
    /// invalidFilter whose detail contains this.
    Refused(&'static str),
}
use Want::*;

type Resource = fn() -> Value;
type Case<S> = (S, Resource, Want);

fn run<S: AsRef<str>>(cases: &[Case<S>], types: &dyn AttributeTypes) {
    let mut failures = Vec::new();
    for (filter, resource, want) in cases {
        let filter = filter.as_ref();
        let f = match Filter::parse(filter) {
            Ok(f) => f,
            Err(e) => {
                failures.push(format!("{filter:?}: parse error {e}"));
                continue;
            }
        };
        let got = f.matches(&resource(), types);
        let ok = match (&got, want) {
            (Ok(true), Match) | (Ok(false), NoMatch) => true,
            (Err(e), Refused(frag)) => {
                e.scim_type == Some(ScimType::InvalidFilter)
                    && e.status == 400
                    && e.detail.contains(frag)
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{filter:?}: got {got:?}, want {want:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[test]
fn okta_users() {
    let o = okta_user as Resource;
    let cases: Vec<Case<&str>> = vec![
        // userName is caseExact=false (RFC 7643): Okta sends what the admin typed.
        (r#"userName eq "test.user@okta.local""#, o, Match),
        (r#"userName eq "TEST.USER@OKTA.LOCAL""#, o, Match),
        (r#"userName eq "Test.User@okta.local""#, o, Match),
        (r#"userName eq "other@okta.local""#, o, NoMatch),
        (r#"USERNAME eq "test.user@okta.local""#, o, Match),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:userName eq "test.user@okta.local""#,
            o,
            Match,
        ),
        (r#"userName ne "other""#, o, Match),
        (r#"userName ne "TEST.user@okta.local""#, o, NoMatch),
        (r#"userName sw "test.""#, o, Match),
        (r#"userName ew "@OKTA.local""#, o, Match),
        (r#"userName co "user@""#, o, Match),
        (r#"userName co "nobody""#, o, NoMatch),
        (r#"userName gt "a""#, o, Match),
        (r#"userName lt "a""#, o, NoMatch),
        (r#"userName ge "test.user@okta.local""#, o, Match),
        (r#"userName le "TEST.USER@OKTA.LOCAL""#, o, Match),
        // externalId and id are caseExact.
        (r#"externalId eq "00ujl29u0le5T6Aj10h7""#, o, Match),
        (r#"externalId eq "00UJL29U0LE5T6AJ10H7""#, o, NoMatch),
        (r#"id eq "user_01HZXK3M6Q""#, o, Match),
        (r#"id eq "USER_01HZXK3M6Q""#, o, NoMatch),
        // multi-valued: any value matches
        (r#"emails.value eq "personal@example.com""#, o, Match),
        (r#"emails.value co "okta""#, o, Match),
        (r#"emails co "example.com""#, o, Match),
        (r#"emails eq "test.user@okta.local""#, o, Match),
        (r#"emails.type eq "home""#, o, Match),
        (r#"emails.type eq "other""#, o, NoMatch),
        (
            r#"emails[type eq "work"].value eq "test.user@okta.local""#,
            o,
            Match,
        ),
        (
            r#"emails[type eq "work"].value eq "personal@example.com""#,
            o,
            NoMatch,
        ),
        (
            r#"emails[type eq "home" and value co "@example.com"]"#,
            o,
            Match,
        ),
        (
            r#"emails[type eq "work" and value co "@example.com"]"#,
            o,
            NoMatch,
        ),
        (r#"emails[primary eq true and type eq "work"]"#, o, Match),
        (r#"emails[primary eq false]"#, o, Match),
        (r#"emails[not (type eq "work")]"#, o, Match),
        (r#"emails[type eq "work" or type eq "other"]"#, o, Match),
        (r#"emails[value pr]"#, o, Match),
        (r#"emails[display pr]"#, o, NoMatch),
        // presence
        ("userName pr", o, Match),
        ("emails pr", o, Match),
        ("groups pr", o, NoMatch),
        ("nickName pr", o, NoMatch),
        ("title pr", o, NoMatch),
        ("nosuch pr", o, NoMatch),
        ("name pr", o, Match),
        ("name.middleName pr", o, NoMatch),
        ("title eq null", o, Match),
        ("userName eq null", o, NoMatch),
        ("userName ne null", o, Match),
        ("nickName eq null", o, Match),
        // booleans
        ("active eq true", o, Match),
        ("active eq false", o, NoMatch),
        ("active ne false", o, Match),
        ("active eq TRUE", o, Match),
        // sub-attributes and logic
        (r#"name.familyName eq "user""#, o, Match),
        (
            r#"name.givenName sw "T" and name.familyName ew "r""#,
            o,
            Match,
        ),
        (
            r#"title pr or userName eq "test.user@okta.local""#,
            o,
            Match,
        ),
        (
            r#"title pr and userName eq "test.user@okta.local""#,
            o,
            NoMatch,
        ),
        (r#"not (userName eq "test.user@okta.local")"#, o, NoMatch),
        (r#"not (title eq "CEO")"#, o, Match),
        (r#"title ne "CEO""#, o, NoMatch),
        (
            r#"(locale eq "en-US" or locale eq "fr-FR") and active eq true"#,
            o,
            Match,
        ),
        // dateTime chronological, across offsets
        (r#"meta.lastModified gt "2026-11-20T07:00:00Z""#, o, Match),
        (r#"meta.lastModified gt "2026-11-20T07:30:00Z""#, o, Match),
        (
            r#"meta.lastModified eq "2026-11-20T07:30:00.123Z""#,
            o,
            Match,
        ),
        (r#"meta.lastModified lt "2026-11-20T07:30:00Z""#, o, NoMatch),
        (r#"meta.created ge "2026-11-01T10:00:00Z""#, o, Match),
        (r#"meta.created le "2026-11-01T10:00:00""#, o, Match),
        (r#"meta.lastModified sw "2026-11-20""#, o, Match),
        (r#"meta.version eq "W/\"3\"""#, o, Match),
        // type mismatches do not match
        ("userName eq 42", o, NoMatch),
        ("userName eq true", o, NoMatch),
        (r#"active eq "true""#, o, NoMatch),
        // refused combinations
        (
            "active gt true",
            o,
            Refused("operator 'gt' cannot be used with boolean attribute 'active'"),
        ),
        (r#"active co "t""#, o, Refused("boolean")),
        (r#"emails[primary lt true]"#, o, Refused("boolean")),
        (
            r#"name eq "Test User""#,
            o,
            Refused("'name' is a complex attribute"),
        ),
        (
            r#"meta.lastModified gt "yesterday""#,
            o,
            Refused("not a valid dateTime"),
        ),
        (
            "userName gt null",
            o,
            Refused("null can only be compared with 'eq' or 'ne'"),
        ),
        // refusal does not depend on the data (validated up front)
        (
            r#"userName eq "x" and active ge false"#,
            o,
            Refused("boolean"),
        ),
    ];
    run(&cases, &DefaultUserGroupTypes);
}

#[test]
fn entra_users() {
    let e = entra_user as Resource;
    let cases: Vec<Case<&str>> = vec![
        (
            r#"userName eq "Test_User_dfeef4c5-5681-4387-b016-bdf221e82081@contoso.com""#,
            e,
            Match,
        ),
        (
            r#"userName eq "test_user_dfeef4c5-5681-4387-b016-bdf221e82081@CONTOSO.COM""#,
            e,
            Match,
        ),
        (
            r#"externalId eq "8a7f5e2c-6b4d-4c1e-9f3a-2d1b0c9e8f7a""#,
            e,
            Match,
        ),
        (
            r#"externalId eq "8A7F5E2C-6B4D-4C1E-9F3A-2D1B0C9E8F7A""#,
            e,
            NoMatch,
        ),
        (
            r#"emails[type eq "work"].value eq "test_user_dfeef4c5@contoso.com""#,
            e,
            Match,
        ),
        (
            r#"emails[type eq "home"].value eq "test_user_dfeef4c5@contoso.com""#,
            e,
            NoMatch,
        ),
        // booleans as strings ("False", "True") are read as booleans
        ("active eq false", e, Match),
        ("active eq true", e, NoMatch),
        ("emails[primary eq true]", e, Match),
        (r#"roles[primary eq true and value eq "admin"]"#, e, Match),
        // enterprise extension through its URN
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber eq "701984""#,
            e,
            Match,
        ),
        (
            r#"URN:IETF:PARAMS:SCIM:SCHEMAS:EXTENSION:ENTERPRISE:2.0:USER:EMPLOYEENUMBER eq "701984""#,
            e,
            Match,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department co "tour""#,
            e,
            Match,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber pr"#,
            e,
            Match,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter pr"#,
            e,
            NoMatch,
        ),
        // unqualified extension attributes are not at the top level
        (r#"employeeNumber eq "701984""#, e, NoMatch),
        // Entra's bare-string manager has no `value` sub-attribute
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "26118915-6090-4610-87e4-49d8ca9f808d""#,
            e,
            NoMatch,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager pr"#,
            e,
            Match,
        ),
        // custom extension, unknown to the schema: inferred types
        (
            r#"urn:ietf:params:scim:schemas:extension:haystack:1.0:User:badge eq "gold""#,
            e,
            Match,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:haystack:1.0:User:level gt 5"#,
            e,
            Match,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:haystack:1.0:User:level le 6.5"#,
            e,
            NoMatch,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:haystack:1.0:User:score eq 2.5"#,
            e,
            Match,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:haystack:1.0:User:level eq "7""#,
            e,
            NoMatch,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:haystack:1.0:User:remote eq true"#,
            e,
            Match,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:haystack:1.0:User:joinDate sw "2020-""#,
            e,
            Match,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:other:1.0:User:x pr"#,
            e,
            NoMatch,
        ),
        // client-sent meta without dates
        (r#"meta.resourceType eq "User""#, e, Match),
        (r#"meta.resourceType eq "user""#, e, NoMatch),
        (r#"meta.lastModified pr"#, e, NoMatch),
        (r#"meta.lastModified gt "2020-01-01T00:00:00Z""#, e, NoMatch),
        // `and` only, as Entra uses
        (
            r#"userName sw "Test_User" and active eq false and emails[type eq "work"]"#,
            e,
            Match,
        ),
    ];
    run(&cases, &DefaultUserGroupTypes);
}

#[test]
fn jumpcloud_users_and_groups() {
    let j = jumpcloud_user as Resource;
    let g = okta_group as Resource;
    let cases: Vec<Case<&str>> = vec![
        ("emails pr", j, NoMatch),
        ("emails eq null", j, Match),
        (r#"emails.value co "@""#, j, NoMatch),
        ("addresses pr", j, NoMatch),
        (
            r#"phoneNumbers[type eq "work" and value sw "tel:+1"]"#,
            j,
            Match,
        ),
        (r#"photos.value sw "https://photos.example.com""#, j, Match),
        (
            r#"x509Certificates.value eq "miidqzccaqygawibagicEAAwDQYJKoZIhvcNAQEFBQAwTjELMAkGA1UEBhMCVVMx""#,
            j,
            NoMatch,
        ),
        (r#"x509Certificates.value sw "MIIDQzCC""#, j, Match),
        (r#"x509Certificates.value gt "A""#, j, Refused("binary")),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "user_01HZXK3M6Q""#,
            j,
            Match,
        ),
        (
            r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.displayName eq "test user""#,
            j,
            Match,
        ),
        // groups
        (r#"displayName eq "Holistics Admins""#, g, Match),
        (r#"displayName eq "holistics admins""#, g, Match),
        (r#"displayName eq "Group""#, g, NoMatch),
        (r#"members[value eq "user_01HZXK3M6Q"]"#, g, Match),
        (r#"members[value eq "user_01hzxk9abc"]"#, g, Match),
        (r#"members.value eq "user_missing""#, g, NoMatch),
        (r#"members eq "user_01HZXK3M6Q""#, g, Match),
        (r#"members[display co "okta"]"#, g, Match),
        (r#"members.$ref pr"#, g, Match),
        (r#"members.$ref co "users/user_01hzxk9abc""#, g, NoMatch),
        (
            r#"members[value eq "user_01HZXK3M6Q" and display pr]"#,
            g,
            Match,
        ),
        (
            r#"members[value eq "USER_01HZXK9ABC" and display pr]"#,
            g,
            NoMatch,
        ),
        (r#"meta.lastModified ge "2026-11-22T23:59:59Z""#, g, Match),
        (r#"meta.lastModified gt "2026-11-22T23:59:59Z""#, g, NoMatch),
    ];
    run(&cases, &DefaultUserGroupTypes);
}

/// A schema registry stand-in: declares an integer, a decimal, a caseExact string.
struct Custom;
impl AttributeTypes for Custom {
    fn lookup(&self, path: &AttrPath) -> Option<AttrInfo> {
        let info = |kind, case_exact| {
            Some(AttrInfo {
                kind,
                case_exact,
                multi_valued: false,
            })
        };
        match path.name.to_ascii_lowercase().as_str() {
            "level" => info(AttrKind::Integer, false),
            "score" => info(AttrKind::Decimal, false),
            "badge" => info(AttrKind::String, true),
            "joindate" => info(AttrKind::DateTime, false),
            "remote" => info(AttrKind::Boolean, false),
            _ => DefaultUserGroupTypes.lookup(path),
        }
    }
}

#[test]
fn custom_types_from_a_registry() {
    let e = entra_user as Resource;
    const X: &str = "urn:ietf:params:scim:schemas:extension:haystack:1.0:User";
    let cases: Vec<Case<String>> = vec![
        (format!(r#"{X}:badge eq "gold""#), e, NoMatch),
        (format!(r#"{X}:badge eq "Gold""#), e, Match),
        (format!("{X}:level ge 7"), e, Match),
        (format!("{X}:level gt 7"), e, NoMatch),
        (format!("{X}:level lt 7.5"), e, Match),
        (format!("{X}:score gt 2"), e, Match),
        (format!(r#"{X}:score co "2""#), e, NoMatch),
        (
            format!(r#"{X}:joinDate lt "2020-02-01T01:00:00+00:30""#),
            e,
            Match,
        ),
        (
            format!(r#"{X}:joinDate gt "tomorrow""#),
            e,
            Refused("not a valid dateTime"),
        ),
        (format!("{X}:remote ne false"), e, Match),
        (format!("{X}:remote le true"), e, Refused("boolean")),
    ];
    run(&cases, &Custom);
}

#[test]
fn validated_evaluation_is_infallible() {
    let types = DefaultUserGroupTypes;
    let f = Filter::parse(r#"emails[type eq "work"].value eq "test.user@okta.local""#).unwrap();
    f.validate(&types).unwrap();
    assert!(f.matches_validated(&okta_user(), &types));
    assert!(!f.matches_validated(&entra_user(), &types));
    // An unvalidated refused filter just does not match.
    let bad = Filter::parse("active gt true").unwrap();
    assert!(bad.validate(&types).is_err());
    assert!(!bad.matches_validated(&okta_user(), &types));
    // Non-object resources never match and never panic.
    for r in [json!(null), json!([1, 2]), json!("x"), json!(3)] {
        assert!(!f.matches_validated(&r, &types));
        assert!(!Filter::parse("x pr").unwrap().matches_validated(&r, &types));
    }
}

/// Value filters (PATCH paths) against single elements, typed by the parent.
#[test]
fn element_filters() {
    let types = DefaultUserGroupTypes;
    let emails = AttrPath::simple("emails");
    let members = AttrPath::simple("members");
    let schemas = AttrPath::simple("schemas");
    let work = json!({"type": "work", "value": "Test.User@okta.local", "primary": "True"});
    let member = json!({"value": "user_01HZXK3M6Q", "$ref": "https://x/Users/user_01HZXK3M6Q"});
    let urn = json!("urn:ietf:params:scim:schemas:core:2.0:User");
    let cases: Vec<(&str, &AttrPath, &Value, Want)> = vec![
        (r#"type eq "work""#, &emails, &work, Match),
        (r#"type eq "WORK""#, &emails, &work, Match),
        (r#"type eq "home""#, &emails, &work, NoMatch),
        (r#"value eq "test.user@okta.local""#, &emails, &work, Match),
        ("primary eq true", &emails, &work, Match),
        (
            r#"type eq "work" and primary eq false"#,
            &emails,
            &work,
            NoMatch,
        ),
        ("display pr", &emails, &work, NoMatch),
        (r#"not (type eq "home")"#, &emails, &work, Match),
        (r#"value eq "USER_01HZXK3M6Q""#, &members, &member, Match),
        (r#"$ref co "user_01hzxk3m6q""#, &members, &member, NoMatch),
        (r#"$ref ew "user_01HZXK3M6Q""#, &members, &member, Match),
        (r#"value sw "urn:ietf""#, &schemas, &urn, Match),
        ("primary gt true", &emails, &work, Refused("boolean")),
    ];
    let mut failures = Vec::new();
    for (filter, parent, element, want) in &cases {
        let f = Filter::parse(filter).unwrap();
        let got = f
            .validate_element(parent, &types)
            .map(|()| f.matches_element(parent, element, &types));
        let ok = match (&got, want) {
            (Ok(true), Match) | (Ok(false), NoMatch) => true,
            (Err(e), Refused(frag)) => e.detail.contains(frag),
            _ => false,
        };
        if !ok {
            failures.push(format!("{parent}[{filter}]: got {got:?}, want {want:?}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
