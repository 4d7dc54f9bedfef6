//! Property tests: printing then parsing gives the same tree; nothing panics.

use proptest::prelude::*;
use roster_scim::filter::{
    plan, CompValue, CompareOp, DefaultUserGroupTypes, Filter, ResourceKind,
};
use roster_scim::path::{AttrPath, PatchPath};
use serde_json::{json, Number};

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-zA-Z][a-zA-Z0-9_-]{0,8}",
        1 => Just("$ref".to_owned()),
        1 => prop::sample::select(vec!["and", "or", "not", "pr", "eq", "true", "null"]).prop_map(str::to_owned),
    ]
}

fn urn() -> impl Strategy<Value = Option<String>> {
    prop_oneof![
        6 => Just(None),
        1 => Just(Some("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User".to_owned())),
        1 => Just(Some("urn:ietf:params:scim:schemas:core:2.0:User".to_owned())),
        1 => "urn:[a-zA-Z0-9]{1,6}(:[a-zA-Z0-9._-]{1,6}){0,3}".prop_map(Some),
    ]
}

fn attr_path() -> impl Strategy<Value = AttrPath> {
    (urn(), name(), prop::option::of(name())).prop_map(|(urn, name, sub_attr)| AttrPath {
        urn,
        name,
        sub_attr,
    })
}

fn comp_value() -> impl Strategy<Value = CompValue> {
    prop_oneof![
        Just(CompValue::Null),
        any::<bool>().prop_map(CompValue::Bool),
        any::<i64>().prop_map(|n| CompValue::Number(Number::from(n))),
        any::<u64>().prop_map(|n| CompValue::Number(Number::from(n))),
        any::<f64>()
            .prop_filter_map("finite", Number::from_f64)
            .prop_map(CompValue::Number),
        any::<String>().prop_map(CompValue::String),
        "[ -~]{0,12}".prop_map(CompValue::String),
    ]
}

fn op() -> impl Strategy<Value = CompareOp> {
    prop::sample::select(CompareOp::ALL.to_vec())
}

fn leaf() -> impl Strategy<Value = Filter> {
    prop_oneof![
        3 => (attr_path(), op(), comp_value()).prop_map(|(path, op, value)| Filter::Compare { path, op, value }),
        1 => attr_path().prop_map(Filter::Present),
    ]
}

/// Filters without value paths (what may appear inside brackets).
fn element_filter() -> impl Strategy<Value = Filter> {
    leaf().prop_recursive(5, 24, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::and(l, r)),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::or(l, r)),
            inner.prop_map(Filter::not),
        ]
    })
}

fn filter() -> impl Strategy<Value = Filter> {
    let value_path = (urn(), name(), element_filter()).prop_map(|(urn, name, f)| {
        Filter::value_path(
            AttrPath {
                urn,
                name,
                sub_attr: None,
            },
            f,
        )
    });
    prop_oneof![3 => leaf(), 1 => value_path].prop_recursive(6, 48, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::and(l, r)),
            (inner.clone(), inner.clone()).prop_map(|(l, r)| Filter::or(l, r)),
            inner.prop_map(Filter::not),
        ]
    })
}

/// Strings built from filter-ish pieces, to reach deeper parser states than
/// uniformly random text.
fn filterish() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "userName", "emails", "[", "]", "(", ")", " ", " eq ", " pr", " and ", " or ", "not ",
        "\"x\"", "\"", "\\", "\\u00e9", "1", "-2.5e3", "true", "null", ".", ":", "urn:a:b:",
        "value", "type", "\t", "é", "$ref", "0x", "1e999",
    ]);
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    #[test]
    fn print_then_parse_is_identity(f in filter()) {
        let printed = f.to_string();
        let parsed = Filter::parse(&printed);
        prop_assert_eq!(parsed.as_ref().ok(), Some(&f), "printed: {} / {:?}", printed, parsed.as_ref().err());
        // Printing is canonical: a second round gives the same text.
        prop_assert_eq!(parsed.map(|p| p.to_string()).ok(), Some(printed));
    }

    #[test]
    fn patch_path_roundtrip(attr in (urn(), name()), f in prop::option::of(element_filter()), sub in prop::option::of(name())) {
        let p = PatchPath {
            attr: AttrPath { urn: attr.0, name: attr.1, sub_attr: None },
            sub_attr: if f.is_some() { sub } else { None },
            value_filter: f,
        };
        let printed = p.to_string();
        prop_assert_eq!(PatchPath::parse(&printed).ok(), Some(p), "printed: {}", printed);
    }

    #[test]
    fn attr_path_roundtrip(p in attr_path()) {
        prop_assert_eq!(AttrPath::parse(&p.to_string()).ok(), Some(p));
    }

    #[test]
    fn evaluation_and_planning_never_panic(f in filter()) {
        let user = json!({
            "userName": "a", "active": "True", "emails": [{"value": "x@y", "type": "work"}, "odd"],
            "name": {"givenName": "n"}, "meta": {"lastModified": "2020-01-01T00:00:00Z"},
            "members": [{"value": "1"}], "$ref": null,
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"manager": "m"},
        });
        let _ = f.matches(&user, &DefaultUserGroupTypes);
        let _ = plan(&f, ResourceKind::User);
        let _ = plan(&f, ResourceKind::Group);
    }

    #[test]
    fn random_text_never_panics(s in any::<String>()) {
        if let Ok(f) = Filter::parse(&s) {
            prop_assert_eq!(Filter::parse(&f.to_string()).ok(), Some(f));
        }
        let _ = PatchPath::parse(&s);
        let _ = AttrPath::parse(&s);
    }

    #[test]
    fn filterish_text_never_panics(s in filterish()) {
        match Filter::parse(&s) {
            Ok(f) => prop_assert_eq!(Filter::parse(&f.to_string()).ok(), Some(f)),
            Err(e) => prop_assert!(e.detail.starts_with("invalid filter at position ")),
        }
        if let Ok(p) = PatchPath::parse(&s) {
            prop_assert_eq!(PatchPath::parse(&p.to_string()).ok(), Some(p));
        }
    }
}
