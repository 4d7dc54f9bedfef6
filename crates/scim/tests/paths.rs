//! Attribute paths and PATCH paths.

use roster_scim::error::ScimType;
use roster_scim::filter::{CompValue, CompareOp, Filter};
use roster_scim::path::{AttrPath, PatchPath};

const ENT: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

fn ap(urn: Option<&str>, name: &str, sub: Option<&str>) -> AttrPath {
    AttrPath {
        urn: urn.map(str::to_owned),
        name: name.to_owned(),
        sub_attr: sub.map(str::to_owned),
    }
}

fn eq(name: &str, v: &str) -> Filter {
    Filter::Compare {
        path: AttrPath::simple(name),
        op: CompareOp::Eq,
        value: CompValue::String(v.to_owned()),
    }
}

#[test]
fn attr_paths() {
    let cases: Vec<(&str, AttrPath)> = vec![
        ("userName", ap(None, "userName", None)),
        ("USERNAME", ap(None, "USERNAME", None)),
        ("name.givenName", ap(None, "name", Some("givenName"))),
        ("emails.value", ap(None, "emails", Some("value"))),
        ("members.$ref", ap(None, "members", Some("$ref"))),
        ("$ref", ap(None, "$ref", None)),
        ("x-y_z9", ap(None, "x-y_z9", None)),
        ("  active  ", ap(None, "active", None)),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            ap(Some(ENT), "manager", None),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            ap(Some(ENT), "manager", Some("value")),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            ap(Some(ENT), "employeeNumber", None),
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:userName",
            ap(
                Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                "userName",
                None,
            ),
        ),
        (
            "urn:ietf:params:scim:schemas:core:2.0:User:name.familyName",
            ap(
                Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                "name",
                Some("familyName"),
            ),
        ),
        (
            "URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP:displayName",
            ap(
                Some("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:GROUP"),
                "displayName",
                None,
            ),
        ),
        (
            "urn:ietf:params:scim:schemas:extension:haystack:1.0:User:joinDate",
            ap(
                Some("urn:ietf:params:scim:schemas:extension:haystack:1.0:User"),
                "joinDate",
                None,
            ),
        ),
        (
            "urn:scim:schemas:core:1.0:userName",
            ap(Some("urn:scim:schemas:core:1.0"), "userName", None),
        ),
        // A bare schema URN: the last segment becomes the name (see module docs).
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
            ap(
                Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0"),
                "User",
                None,
            ),
        ),
    ];
    let mut failures = Vec::new();
    for (input, want) in &cases {
        match AttrPath::parse(input) {
            Ok(got) if &got == want => {
                if got.to_string() != input.trim() {
                    failures.push(format!("{input:?} printed as {got}"));
                }
            }
            other => failures.push(format!("{input:?}: got {other:?}, want {want:?}")),
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
fn patch_paths() {
    let cases: Vec<(&str, PatchPath)> = vec![
        (
            "members",
            PatchPath {
                attr: ap(None, "members", None),
                value_filter: None,
                sub_attr: None,
            },
        ),
        (
            "active",
            PatchPath {
                attr: ap(None, "active", None),
                value_filter: None,
                sub_attr: None,
            },
        ),
        (
            "name.familyName",
            PatchPath {
                attr: ap(None, "name", Some("familyName")),
                value_filter: None,
                sub_attr: None,
            },
        ),
        (
            "userName",
            PatchPath {
                attr: ap(None, "userName", None),
                value_filter: None,
                sub_attr: None,
            },
        ),
        (
            r#"members[value eq "2819c223-7f76-453a-919d-413861904646"]"#,
            PatchPath {
                attr: ap(None, "members", None),
                value_filter: Some(eq("value", "2819c223-7f76-453a-919d-413861904646")),
                sub_attr: None,
            },
        ),
        (
            r#"emails[type eq "work"].value"#,
            PatchPath {
                attr: ap(None, "emails", None),
                value_filter: Some(eq("type", "work")),
                sub_attr: Some("value".into()),
            },
        ),
        (
            r#"addresses[type eq "work"].streetAddress"#,
            PatchPath {
                attr: ap(None, "addresses", None),
                value_filter: Some(eq("type", "work")),
                sub_attr: Some("streetAddress".into()),
            },
        ),
        (
            r#"emails[type eq "work" and primary eq true]"#,
            PatchPath {
                attr: ap(None, "emails", None),
                value_filter: Some(Filter::and(
                    eq("type", "work"),
                    Filter::Compare {
                        path: AttrPath::simple("primary"),
                        op: CompareOp::Eq,
                        value: CompValue::Bool(true),
                    },
                )),
                sub_attr: None,
            },
        ),
        (
            r#"members[value eq "a" or value eq "b"]"#,
            PatchPath {
                attr: ap(None, "members", None),
                value_filter: Some(Filter::or(eq("value", "a"), eq("value", "b"))),
                sub_attr: None,
            },
        ),
        (
            r#"emails[not (type eq "home")].display"#,
            PatchPath {
                attr: ap(None, "emails", None),
                value_filter: Some(Filter::not(eq("type", "home"))),
                sub_attr: Some("display".into()),
            },
        ),
        (
            r#"members[VALUE EQ "x"]"#,
            PatchPath {
                attr: ap(None, "members", None),
                value_filter: Some(eq("VALUE", "x")),
                sub_attr: None,
            },
        ),
        (
            r#" emails [ type eq "work" ] "#,
            PatchPath {
                attr: ap(None, "emails", None),
                value_filter: Some(eq("type", "work")),
                sub_attr: None,
            },
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
            PatchPath {
                attr: ap(Some(ENT), "manager", None),
                value_filter: None,
                sub_attr: None,
            },
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber",
            PatchPath {
                attr: ap(Some(ENT), "employeeNumber", None),
                value_filter: None,
                sub_attr: None,
            },
        ),
        (
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value",
            PatchPath {
                attr: ap(Some(ENT), "manager", Some("value")),
                value_filter: None,
                sub_attr: None,
            },
        ),
        (
            r#"urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"].value"#,
            PatchPath {
                attr: ap(
                    Some("urn:ietf:params:scim:schemas:core:2.0:User"),
                    "emails",
                    None,
                ),
                value_filter: Some(eq("type", "work")),
                sub_attr: Some("value".into()),
            },
        ),
        (
            r#"roles[value eq "Admin\"s"]"#,
            PatchPath {
                attr: ap(None, "roles", None),
                value_filter: Some(eq("value", "Admin\"s")),
                sub_attr: None,
            },
        ),
    ];
    let mut failures = Vec::new();
    for (input, want) in &cases {
        match PatchPath::parse(input) {
            Ok(got) if &got == want => match PatchPath::parse(&got.to_string()) {
                Ok(again) if &again == want => {}
                other => failures.push(format!("{input:?}: reparse of {got} gave {other:?}")),
            },
            other => failures.push(format!("{input:?}: got {other:?}, want {want:?}")),
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
fn path_errors() {
    // (input, is a PatchPath (else AttrPath), position, fragment)
    let deep = format!("emails[{}type pr{}]", "(".repeat(32), ")".repeat(32));
    let cases: Vec<(&str, bool, usize, &str)> = vec![
        (
            "",
            true,
            0,
            "expected an attribute path, found end of input",
        ),
        (
            "",
            false,
            0,
            "expected an attribute path, found end of input",
        ),
        ("   ", true, 3, "expected an attribute path"),
        (
            "name.givenName.x",
            false,
            14,
            "more than one sub-attribute level",
        ),
        (
            "name.givenName.x",
            true,
            14,
            "more than one sub-attribute level",
        ),
        ("1abc", false, 0, "must start with a letter"),
        (
            "na me",
            false,
            3,
            "expected the end of the path, found 'me'",
        ),
        ("user@name", true, 4, "invalid character '@'"),
        ("name.", true, 5, "expected an sub-attribute name"),
        ("urn:", true, 0, "not a valid schema URN"),
        ("urn:x:y:", true, 8, "expected an attribute name"),
        (
            "urn:x:a b",
            true,
            8,
            "expected the end of the path, found 'b'",
        ),
        ("urn:a", true, 0, "not a valid schema URN"),
        (
            r#"emails[type eq "work""#,
            true,
            21,
            "expected ']' to close the value filter",
        ),
        (r#"emails[type eq"#, true, 14, "expected a value"),
        (
            r#"emails[type eq "work"]value"#,
            true,
            22,
            "expected the end of the path, found 'value'",
        ),
        (
            r#"emails[type eq "work"]."#,
            true,
            23,
            "expected an sub-attribute name",
        ),
        (
            r#"emails[type eq "work"].value.x"#,
            true,
            28,
            "invalid character '.'",
        ),
        (
            r#"emails[type eq "work"][value pr]"#,
            true,
            22,
            "expected the end of the path, found '['",
        ),
        (
            r#"name.givenName[value eq "x"]"#,
            true,
            14,
            "must follow an attribute without sub-attribute",
        ),
        (
            r#"emails[]"#,
            true,
            7,
            "expected an attribute path, '(' or 'not', found ']'",
        ),
        (
            r#"emails[type[value pr]]"#,
            true,
            11,
            "value paths cannot be nested",
        ),
        (r#"emails[type eq work]"#, true, 15, "expected a value"),
        (
            r#"emails[type eq "work"]"#,
            false,
            6,
            "expected the end of the path, found '['",
        ),
        (&deep, true, 38, "nesting too deep"),
        ("members]", true, 7, "found ']'"),
        (
            "(members)",
            true,
            0,
            "expected an attribute path, found '('",
        ),
    ];
    let mut failures = Vec::new();
    for (input, patch, pos, fragment) in &cases {
        let got = if *patch {
            PatchPath::parse(input).map(|p| p.to_string())
        } else {
            AttrPath::parse(input).map(|p| p.to_string())
        };
        match got {
            Ok(p) => failures.push(format!("{input:?} parsed as {p}")),
            Err(e) => {
                let prefix = format!("invalid path at position {pos}: ");
                if e.status != 400
                    || e.scim_type != Some(ScimType::InvalidPath)
                    || !e.detail.starts_with(&prefix)
                    || !e.detail.contains(fragment)
                {
                    failures.push(format!(
                        "{input:?}: got {:?}; want position {pos}, {fragment:?}",
                        e.detail
                    ));
                }
            }
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
fn case_insensitive_helpers() {
    let a = AttrPath::parse("urn:ietf:params:scim:schemas:core:2.0:User:EMAILS.Value").unwrap();
    let b = AttrPath::parse("emails.value").unwrap();
    assert!(!a.eq_ignore_case(&b));
    assert!(a.same_attribute(&b));
    assert!(a.name_is("emails") && a.sub_is("VALUE"));
    assert!(a.urn_is("URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER"));
    assert_eq!(a.effective_urn(), None);
    let m = AttrPath::parse(&format!("{ENT}:manager")).unwrap();
    assert_eq!(m.effective_urn(), Some(ENT));
    assert!(!m.same_attribute(&AttrPath::simple("manager")));
    assert!(m.eq_ignore_case(&AttrPath::simple("MANAGER").in_schema(ENT.to_uppercase())));
    let p: PatchPath = r#"emails[type eq "work"].value"#.parse().unwrap();
    assert_eq!(p.to_string(), r#"emails[type eq "work"].value"#);
}
